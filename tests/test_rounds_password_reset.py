"""A reporter who forgot their password gets a Danish e-mail with a link and sets a new one."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_password_reset_by_email(client, reporters):
    page = client.get(reverse("password_reset"))
    assert "Glemt adgangskode" in page.content.decode()

    response = client.post(
        reverse("password_reset"), {"email": "indberetter-101@example.dk"}, follow=True
    )
    assert "Tjek din e-mail" in response.content.decode()
    [message] = mail.outbox
    assert message.subject == "Ny adgangskode til KKR-mål"
    link = re.search(r"https?://\S+/konto/reset/\S+/", message.body).group(0)

    form = client.get(link, follow=True)
    assert "Vælg ny adgangskode" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Ny-sikker-kode-2025", "new_password2": "Ny-sikker-kode-2025"},
        follow=True,
    )
    assert "Adgangskoden er skiftet" in done.content.decode()
    assert client.login(username="indberetter-101", password="Ny-sikker-kode-2025")
