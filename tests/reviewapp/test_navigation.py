"""Each role sees its own navigation and nothing else."""

import re

import pytest

EXPECTED_NAV = {
    "nurse": [
        "Work queue",
        "New case",
        "Consistency reviews",
        "Appeals",
        "Mail room",
        "Policy library",
    ],
    "director": [
        "Director queue",
        "Work queue",
        "New case",
        "Consistency reviews",
        "Appeals",
        "Mail room",
        "Policy library",
    ],
    "administrator": ["Policy library", "Access log", "Security events", "Administration"],
    "manager": ["Operations", "Work queue", "Policy library", "Access log", "Security events"],
}


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'data-testid="nav">(.*?)</ul>', html, re.S)
    assert nav, "navigation list missing"
    return re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', nav.group(1))


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_role_sees_only_its_navigation(role_clients, role):
    response = role_clients[role].get("/", follow=True)
    assert nav_labels(response.content.decode()) == EXPECTED_NAV[role]


def test_every_navigation_entry_opens_for_its_role(role_clients):
    for role in EXPECTED_NAV:
        html = role_clients[role].get("/", follow=True).content.decode()
        nav = re.search(r'data-testid="nav">(.*?)</ul>', html, re.S).group(1)
        for href in re.findall(r'href="([^"]+)"', nav):
            assert role_clients[role].get(href).status_code == 200, (role, href)
