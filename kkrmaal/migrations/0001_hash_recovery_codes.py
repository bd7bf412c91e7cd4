"""Recovery codes made before they were stored hashed (kkrmaal/mfa.py) are hashed in place,
so they keep working and the table no longer holds them as typed."""

from django.db import migrations

from kkrmaal.mfa import recovery_hash

HASH_LENGTH = len(recovery_hash(""))


def hash_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__regex=rf"^[0-9a-f]{{{HASH_LENGTH}}}$"):
        token.token = recovery_hash(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("otp_static", "0003_add_timestamps")]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
