"""The dashboard speaks the business's language: its menu, its settings menu, its forms and
messages and the driver's phone page are in Dutch for a Dutch business, in German for a German
one, in English otherwise."""

import re

import pytest

from delivery.models import Depot
from tenants.accounts.models import Role
from tenants.models import Tenant

MAIN_NAV = re.compile(r'<nav aria-label="([^"]*)" class="mainnav">(.*?)</nav>', re.S)
SETTINGS_NAV = re.compile(r'<nav class="subnav" aria-label="([^"]*)">(.*?)</nav>', re.S)
LINK_TEXT = re.compile(r"<(?:a|summary)\b[^>]*>([^<]*)<")
SIGN_OUT = re.compile(r'<button type="submit" class="link" title="([^"]*)">([^<]*)<span')

MENUS = {
    "en": {
        "label": "Main",
        "items": ["Today", "Orders", "Customers", "Plan", "Live", "Reports", "Settings"],
        "settings": [
            "Business",
            "Depots",
            "Vehicles",
            "Drivers",
            "Users",
            "Notifications",
            "Webhooks",
            "API keys",
            "API docs",
        ],
        "sign_out": "Sign out",
        "sign_out_title": "Sign out {email}",
    },
    "nl": {
        "label": "Hoofdmenu",
        "items": ["Vandaag", "Bestellingen", "Klanten", "Plannen", "Live", "Rapporten"]
        + ["Instellingen"],
        "settings": [
            "Bedrijf",
            "Depots",
            "Voertuigen",
            "Chauffeurs",
            "Gebruikers",
            "Meldingen",
            "Webhooks",
            "API-sleutels",
            "API-documentatie",
        ],
        "sign_out": "Afmelden",
        "sign_out_title": "{email} afmelden",
    },
    "de": {
        "label": "Hauptmenü",
        "items": ["Heute", "Aufträge", "Kunden", "Planen", "Live", "Berichte", "Einstellungen"],
        "settings": [
            "Unternehmen",
            "Depots",
            "Fahrzeuge",
            "Fahrer",
            "Benutzer",
            "Benachrichtigungen",
            "Webhooks",
            "API-Schlüssel",
            "API-Dokumentation",
        ],
        "sign_out": "Abmelden",
        "sign_out_title": "{email} abmelden",
    },
}


def speaking(world, language: str):
    Tenant.objects.filter(pk=world.tenant.pk).update(language=language)


def main_menu(html: str) -> tuple[str, list[str]]:
    label, nav = MAIN_NAV.search(html).groups()
    return label, [text.strip() for text in LINK_TEXT.findall(nav)]


@pytest.mark.parametrize("language", ["en", "nl", "de"])
def test_the_today_page_s_menu_is_in_the_business_s_language(tenant_a, language):
    speaking(tenant_a, language)
    owner = tenant_a.users[Role.OWNER]

    response = tenant_a.browser(Role.OWNER).get("/")

    html = response.content.decode()
    menu = MENUS[language]
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}"' in html
    assert main_menu(html) == (menu["label"], menu["items"] + menu["settings"])
    assert SIGN_OUT.search(html).groups() == (
        menu["sign_out_title"].format(email=owner.email),
        f"{menu['sign_out']} ",
    )


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_settings_pages_menu_is_in_the_business_s_language(tenant_a, language):
    speaking(tenant_a, language)

    html = tenant_a.browser(Role.OWNER).get("/settings/depots/").content.decode()

    label, nav = SETTINGS_NAV.search(html).groups()
    expected_label = {"en": "Settings", "nl": "Instellingen"}[language]
    assert (label, [text.strip() for text in LINK_TEXT.findall(nav)]) == (
        expected_label,
        MENUS[language]["settings"][:-1],  # the settings menu without the API docs
    )


@pytest.mark.parametrize(
    ("language", "tabs", "loading"),
    [
        ("en", ["Stop", "List", "Map"], "Loading today's route…"),
        ("nl", ["Stop", "Lijst", "Kaart"], "Route van vandaag laden…"),
        ("de", ["Stopp", "Liste", "Karte"], "Heutige Route wird geladen…"),
    ],
)
def test_the_driver_s_phone_page_is_in_the_business_s_language(tenant_a, language, tabs, loading):
    speaking(tenant_a, language)

    html = tenant_a.browser(Role.DRIVER).get("/driver/").content.decode()

    assert f'<html lang="{language}">' in html
    assert re.findall(r'data-tab="\w+" aria-pressed="\w+">([^<]*)<', html) == tabs
    assert re.search(r'<p class="loading">([^<]*)</p>', html).group(1) == loading


@pytest.mark.parametrize(
    ("language", "saved", "labels", "active_text"),
    [
        ("en", "Depot Bakehouse saved.", ["Name", "Address"], "Bakehouse is deactivated."),
        ("nl", "Depot Bakehouse opgeslagen.", ["Naam", "Adres"], "Bakehouse is gedeactiveerd."),
        ("de", "Depot Bakehouse gespeichert.", ["Name", "Adresse"], "Bakehouse ist deaktiviert."),
    ],
)
def test_forms_and_their_messages_are_in_the_business_s_language(
    tenant_a, language, saved, labels, active_text
):
    speaking(tenant_a, language)
    client = tenant_a.browser(Role.ADMIN)

    form = client.get("/settings/depots/new/").content.decode()
    created = client.post(
        "/settings/depots/new/",
        {"name": "Bakehouse", "address": "Biltstraat 160, Utrecht", "lat": "52.1", "lng": "5.1"},
        follow=True,
    )
    with tenant_a.use():
        depot = Depot.objects.get(name="Bakehouse")
    deactivated = client.post(f"/settings/depots/{depot.pk}/active/", follow=True)

    assert [
        re.search(rf'<label for="id_{name}">([^<]*)</label>', form).group(1)
        for name in ("name", "address")
    ] == labels
    assert [str(message) for message in created.context["messages"]] == [saved]
    assert [str(message) for message in deactivated.context["messages"]] == [active_text]


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Who drives on <span data-plan-date>Thursday 3 December</span>"),
        ("nl", "Wie rijdt er op <span data-plan-date>donderdag 3 december</span>"),
        ("de", "Wer fährt am <span data-plan-date>Donnerstag, 3. Dezember</span>"),
    ],
)
def test_the_plan_page_names_its_day_in_the_business_s_words(tenant_a, language, heading):
    speaking(tenant_a, language)

    response = tenant_a.browser(Role.DISPATCHER).get("/plan/?date=2026-12-03")

    assert response.status_code == 200
    assert f'<h2 id="plan-controls-title">{heading}</h2>' in response.content.decode()
