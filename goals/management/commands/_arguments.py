"""Command-line values read in the commands' own words.

argparse refuses a bad number or choice in English ("argument year: invalid int value");
the portal's commands take such values as text and check them here, so the operator is told
in Danish what is wrong and what would do (a `CommandError`, printed without a traceback).
"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def whole_number(value, *, name, example, minimum=None, maximum=None):
    """`value` as an int, or a CommandError naming the option and an example."""
    if value is None or isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise CommandError(
                _("%(name)s skal være et helt tal, fx %(example)s. Du skrev »%(value)s«.")
                % {"name": name, "example": example, "value": value}
            ) from None
    if number is None:
        return None
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise CommandError(
            _("%(name)s skal være mellem %(minimum)s og %(maximum)s. Du skrev %(value)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum, "value": number}
        )
    if minimum is not None and number < minimum:
        raise CommandError(
            _("%(name)s skal være %(minimum)s eller mere. Du skrev %(value)s.")
            % {"name": name, "minimum": minimum, "value": number}
        )
    return number
