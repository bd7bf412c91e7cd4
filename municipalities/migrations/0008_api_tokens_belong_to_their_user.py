"""API tokens belong to their user (issue 20, finding 3): record who made each token, and
revoke every token the admin's "API-nøgler" made for somebody else.

Until now the admin let a secretariat issue a reporter's token and showed it the key, so
the secretariat could act as the reporter. Such a token is known by the admin's own record
(its LogEntry "added", under the proxy `municipalities.apitoken` or knox's own admin): made
by a user other than the token's, it is deleted here (the integration that used it must get
a new key, made by the reporter on the profile page). A token the admin's owner made for
themselves keeps its origin. A token without such a record was made on the reporter's own
profile page or by `create_api_token` at the server; which of the two is not recorded, so
it is kept, with no origin ("unknown" in the audit trail).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


ADDITION = 1  # django.contrib.admin.models.ADDITION


def revoke_tokens_made_by_others(apps, schema_editor):
    AuthToken = apps.get_model("knox", "AuthToken")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    TokenOrigin = apps.get_model("municipalities", "TokenOrigin")
    kinds = ContentType.objects.filter(
        app_label__in=["knox", "municipalities"], model__in=["authtoken", "apitoken"]
    )
    added = LogEntry.objects.filter(content_type__in=kinds, action_flag=ADDITION)
    makers = dict(added.values_list("object_id", "user_id"))
    for token in AuthToken.objects.filter(digest__in=list(makers)):
        maker = makers[token.digest]
        if maker == token.user_id:
            TokenOrigin.objects.create(token=token, issued_by_id=maker)
        else:
            token.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('knox', '0009_extend_authtoken_field'),
        ('municipalities', '0007_sso_and_invitations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TokenOrigin',
            fields=[
                ('token', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='origin', serialize=False, to='knox.authtoken')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='oprettet af')),
            ],
            options={
                'verbose_name': 'API-nøglens oprindelse',
                'verbose_name_plural': 'API-nøglernes oprindelse',
            },
        ),
        migrations.RunPython(revoke_tokens_made_by_others, migrations.RunPython.noop),
    ]
