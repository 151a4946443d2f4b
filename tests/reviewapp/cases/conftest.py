import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CaseFactory

GOOD_INTAKE = {
    "member_name": "Ada  Example",
    "member_id": "zz123456",
    "member_dob": "1970-05-17",
    "provider_name": "Dr. Sample Provider",
    "provider_npi": "1234567893",
    "line_of_business": "commercial",
    "policy": "molina-mcp-160",
    "indication": "non_malignant_pain",
    "codes": "62322",
    "stage": "",
    "priority": "standard",
    "clinical_summary": "Synthetic.",
    "assign_to_me": "on",
    "member_address_line1": "12 Example Lane",
    "member_address_line2": "",
    "member_city": "Baton Rouge",
    "member_state": "la",
    "member_zip": "70801",
    "preferred_language": "es",
    "alternate_format": "large_print",
    "provider_address_line1": "200 Clinic Way",
    "provider_address_line2": "Suite 3",
    "provider_city": "New Orleans",
    "provider_state": "LA",
    "provider_zip": "70112-1234",
    "provider_fax": "(504) 555-0199",
    "servicing_provider_name": "",
    "servicing_provider_npi": "",
}


@pytest.fixture
def intake_data():
    data = dict(GOOD_INTAKE)
    data["received_at"] = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    return data


@pytest.fixture
def case(nurse):
    """A Molina 2025 non-malignant trial case, assigned to the nurse."""
    return CaseFactory(by=nurse)


HTMX = {"HX-Request": "true"}
