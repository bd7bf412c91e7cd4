"""The mapping tables of single sign-on in the admin: a secretariat keeps its own
municipalities' organisations (CVR number → municipality) and sees its invitations; only a
superuser maps role values and organisations to a region, which decide who becomes staff."""

import pytest

from municipalities.models import Invitation
from municipalities.models import SsoOrganisation
from municipalities.models import SsoRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def mappings(municipalities, other_municipality):
    return {
        "own": SsoOrganisation.objects.create(
            identifier="64942212", municipality=municipalities[101]
        ),
        "other": SsoOrganisation.objects.create(
            identifier="35209115", municipality=other_municipality
        ),
    }


def test_the_secretariat_sees_and_adds_its_own_regions_organisations(
    staff, mappings, municipalities
):
    page = staff.get("/admin/municipalities/ssoorganisation/").content.decode()
    assert "64942212" in page and "35209115" not in page
    assert (
        staff.get(
            f"/admin/municipalities/ssoorganisation/{mappings['other'].pk}/change/"
        ).status_code
        == 404
    )

    added = staff.post(
        "/admin/municipalities/ssoorganisation/add/",
        {"identifier": " 29189846 ", "municipality": municipalities[147].pk, "region": ""},
    )

    assert added.status_code == 302
    assert SsoOrganisation.objects.get(identifier="29189846").municipality == municipalities[147]


def test_an_organisation_is_a_municipality_or_a_region_never_both(
    superuser_client, municipalities, region
):
    page = superuser_client.post(
        "/admin/municipalities/ssoorganisation/add/",
        {"identifier": "11111111", "municipality": municipalities[147].pk, "region": region.pk},
    ).content.decode()

    assert "Vælg enten en kommune eller en region" in page
    assert not SsoOrganisation.objects.filter(identifier="11111111").exists()


def test_the_secretariat_cannot_make_an_organisation_its_region_s_staff(
    staff, secretariat, region, municipalities
):
    """A row naming the region makes whoever that organisation's login calls "sekretariat"
    the region's staff (the admin, publishing): a superuser's to give, as the role values."""
    given = SsoOrganisation.objects.create(identifier="29190925", region=region)

    added = staff.post(
        "/admin/municipalities/ssoorganisation/add/",
        {"identifier": "12345678", "municipality": "", "region": region.pk},
    )
    changed = staff.post(
        f"/admin/municipalities/ssoorganisation/{given.pk}/change/",
        {"identifier": "87654321", "municipality": "", "region": region.pk},
    )
    deleted = staff.post(
        f"/admin/municipalities/ssoorganisation/{given.pk}/delete/", {"post": "yes"}
    )

    assert added.status_code == 200 and "Dette felt er påkrævet" in added.content.decode()
    assert not SsoOrganisation.objects.filter(identifier="12345678").exists()
    assert changed.status_code == 403 and deleted.status_code == 403
    assert SsoOrganisation.objects.get(pk=given.pk).identifier == "29190925"
    assert "29190925" in staff.get("/admin/municipalities/ssoorganisation/").content.decode()


def test_another_regions_municipality_is_not_offered(staff, other_municipality):
    staff.post(
        "/admin/municipalities/ssoorganisation/add/",
        {"identifier": "22222222", "municipality": other_municipality.pk, "region": ""},
    )
    assert not SsoOrganisation.objects.filter(identifier="22222222").exists()


def test_only_a_superuser_maps_role_values(client, secretariat):
    from tests.builders import make_user

    client.force_login(secretariat)
    assert client.get("/admin/municipalities/ssorole/").status_code == 403
    refused = client.post(
        "/admin/municipalities/ssorole/add/", {"value": "KKR.Alle", "role": "secretariat"}
    )
    assert refused.status_code == 403 and not SsoRole.objects.exists()

    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    client.post(
        "/admin/municipalities/ssorole/add/", {"value": "KKR.Sekretariat", "role": "secretariat"}
    )
    assert SsoRole.objects.get().role == "secretariat"


def test_the_secretariat_sees_its_invitations_and_changes_none(
    staff, secretariat, municipalities, other_municipality
):
    from municipalities import invitations

    own = invitations.invite(municipalities[219], "a@hillerod.dk", by=secretariat)
    invitations.invite(other_municipality, "b@odense.dk", by=secretariat)

    page = staff.get("/admin/municipalities/invitation/").content.decode()

    assert "a@hillerod.dk" in page and "b@odense.dk" not in page
    assert (
        staff.post(
            f"/admin/municipalities/invitation/{own.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Invitation.objects.count() == 2
