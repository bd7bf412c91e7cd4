"""Where the link of the secretariat's invitation lands (municipalities/invitations.py): the
reporter logs in through the municipality's identity provider, or makes a user name and a
password, and becomes the municipality's reporter. The link works once and expires; a login
from its page comes back to `accept_opened`, never to the link itself."""

from django.contrib import auth
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kkrmaal import sso
from municipalities import invitations

UNUSABLE = {
    "unknown": gettext_lazy(
        "Linket er ikke gyldigt. Tjek, at hele linket fra e-mailen er kopieret med."
    ),
    "used": gettext_lazy(
        "Invitationen er allerede brugt. Log ind med den bruger, der tog imod den, eller bed "
        "KKR-sekretariatet om en ny invitation."
    ),
    "expired": gettext_lazy(
        "Invitationen er udløbet. Bed KKR-sekretariatet om at sende en ny fra rundens oversigt."
    ),
}


class NewReporterForm(UserCreationForm):
    """A user name no other user has, whatever its case: the secretariat's lists must tell
    "Karen" from anybody else."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "last_name"]


@never_cache
@sensitive_post_parameters("password1", "password2")
def accept(request, key):
    try:
        invitation = invitations.find(key)
    except invitations.InvitationUnusable as unusable:
        return _unusable(request, unusable)
    user = request.user
    if user.is_authenticated:
        if request.method == "POST" and request.POST.get("accept"):
            try:
                invitation = invitations.accept(key, user)
            except invitations.InvitationUnusable as unusable:
                return _unusable(request, unusable)
            return _accepted(request, invitation)
        return render(request, "registration/invitation.html", {"invitation": invitation})
    # A login through the provider from here may lack the portal's roles: the invitation
    # gives the role instead (kkrmaal/sso.py).
    request.session[sso.INVITATION_SESSION_KEY] = invitation.pk
    existing = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    form = NewReporterForm(
        request.POST or None, initial={"username": invitation.email.split("@")[0]}
    )
    if request.method == "POST" and not existing and form.is_valid():
        try:
            with transaction.atomic():  # no user is left behind if the link was used since
                user = form.save(commit=False)
                user.email = invitation.email
                user.save()
                invitation = invitations.accept(key, user)
        except invitations.InvitationUnusable as unusable:
            return _unusable(request, unusable)
        auth.login(request, user, backend=sso.BACKEND)
        return _accepted(request, invitation, new=True)
    return render(
        request,
        "registration/invitation.html",
        {
            "invitation": invitation,
            "form": form,
            "existing": existing,
            "providers": sso.providers(),
        },
    )


@never_cache
@login_required
def accept_opened(request):
    """Where a login from the invitation's page comes back to: the invitation opened in this
    browser (its id in the session). The login's `next` names this page rather than the link,
    so the link's key never travels to the identity provider (SAML sends `next` on as its
    RelayState) or lingers in its logs."""
    opened = request.session.get(sso.INVITATION_SESSION_KEY)
    try:
        invitation = invitations.find_opened(opened)
        if request.method == "POST" and request.POST.get("accept"):
            return _accepted(request, invitations.accept_opened(opened, request.user))
    except invitations.InvitationUnusable as unusable:
        return _unusable(request, unusable)
    return render(request, "registration/invitation.html", {"invitation": invitation})


def _unusable(request, unusable):
    sso.audit("invitation.refused", request, reason=unusable.reason)
    return render(
        request,
        "registration/invitation.html",
        {"unusable": UNUSABLE[unusable.reason]},
        status=404 if unusable.reason == "unknown" else 410,
    )


def _accepted(request, invitation, new=False):
    request.session.pop(sso.INVITATION_SESSION_KEY, None)
    sso.audit(
        "invitation.accepted",
        request,
        invitation=invitation.pk,
        municipality=invitation.municipality.kommunekode,
        new_user=new,
    )
    messages.success(
        request,
        _("Du er nu indberetter for %(municipality)s.")
        % {"municipality": invitation.municipality.name},
    )
    return redirect("goals:reporter_home")
