"""The secretariat invites a municipality's reporter from the round's cockpit (where the
municipality shows "Ingen indberetter"): an e-mail with a link that works once and expires
(municipalities/invitations.py); no administrator needed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import audit
from municipalities import invitations
from municipalities.models import Membership
from reports.secretariat import _back_to_cockpit
from reports.secretariat import _get_round_for_staff
from reports.secretariat import _kept


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Indberetterens e-mail"),
        error_messages={
            "required": gettext_lazy("Skriv indberetterens e-mailadresse."),
            "invalid": gettext_lazy("Skriv en gyldig e-mailadresse, fx navn@kommune.dk."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


@login_required
def invite_reporter(request, pk, kommunekode):
    """GET: the form; POST: send the invitation and go back to the cockpit, filtered and
    sorted as the user left it (`_kept`, carried in the form's hidden fields)."""
    status_round = _get_round_for_staff(request, pk)
    municipality = get_object_or_404(
        status_round.paper.region.municipalities, kommunekode=kommunekode
    )
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        invitation = invitations.invite(municipality, email, by=request.user)
        audit.log_change(
            "reporter.invited", invitation, request.user, municipality=municipality.kommunekode
        )
        messages.success(
            request,
            _("Invitationen er sendt til %(email)s. Linket virker én gang og i %(days)d dage.")
            % {"email": email, "days": invitations.valid_days()},
        )
        return _back_to_cockpit(request, status_round)
    reporters = [
        m.user.get_full_name() or m.user.get_username()
        for m in Membership.objects.reachable_reporters()
        .filter(municipality=municipality)
        .select_related("user")
    ]
    return render(
        request,
        "goals/invite_reporter.html",
        {
            "round": status_round,
            "municipality": municipality,
            "form": form,
            "reporters": reporters,
            "days": invitations.valid_days(),
            **_kept(request.GET or request.POST),
        },
    )
