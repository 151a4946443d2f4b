"""Code systems, identifier systems and the small tables the API translates with.

External systems are named exactly as HL7, X12 and CMS publish them. Our own code systems live
under ``FHIR_CANONICAL_BASE`` (a stable identifier namespace, see README "FHIR API").
"""

from __future__ import annotations

from django.conf import settings

from reviewapp.cases.models import DocumentType, LineOfBusiness

NPI = "http://hl7.org/fhir/sid/us-npi"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
# Other spellings clients use for HCPCS Level II (CMS's own page and HL7 terminology).
HCPCS_ALIASES = (
    HCPCS,
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "urn:oid:2.16.840.1.113883.6.285",
)
CPT_ALIASES = (CPT, "urn:oid:2.16.840.1.113883.6.12")
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10CM_ALIASES = (ICD10CM, "urn:oid:2.16.840.1.113883.6.90")
X12_REVIEW_ACTION = "https://codesystem.x12.org/005010/306"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
SOPT = "https://nahdo.org/sopt"  # Source of Payment Typology (payer type)
LOINC = "http://loinc.org"
ISSUE_TYPE = "http://terminology.hl7.org/CodeSystem/operation-outcome"

# Da Vinci PAS extensions (hl7.fhir.us.davinci-pas 2.x).
PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
EXT_REVIEW_ACTION = f"{PAS}/extension-reviewAction"
EXT_REVIEW_ACTION_CODE = f"{PAS}/extension-reviewActionCode"
EXT_ITEM_PREAUTH_PERIOD = f"{PAS}/extension-itemPreAuthPeriod"
EXT_ITEM_PREAUTH_ISSUE_DATE = f"{PAS}/extension-itemPreAuthIssueDate"
EXT_ITEM_REQUESTED_SERVICE_DATE = f"{PAS}/extension-itemRequestedServiceDate"
EXT_REVIEWER = f"{PAS}/extension-claimResponseReviewer"
EXT_AUTHORIZED_PROVIDER = f"{PAS}/extension-itemAuthorizedProvider"
PAS_RESPONSE_BUNDLE = f"{PAS}/profile-pas-response-bundle"
PAS_CLAIM_RESPONSE = f"{PAS}/profile-claimresponse"
PAS_SUBMIT = "http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-submit"
PAS_INQUIRE = "http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-inquiry"

# FHIR core extensions for Questionnaire items.
EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"


def canonical(path: str) -> str:
    """A URL in our own namespace (code systems, naming systems, questionnaires)."""
    return f"{settings.FHIR_CANONICAL_BASE.rstrip('/')}/{path.lstrip('/')}"


def case_reference_system() -> str:
    return canonical("NamingSystem/case-reference")


def authorization_number_system() -> str:
    return canonical("NamingSystem/authorization-number")


def criterion_system(policy_key: str) -> str:
    """The code system of one payer policy's criteria; the code is the payer's label and the
    coding's version the policy version."""
    return canonical(f"CodeSystem/criteria/{policy_key}")


def line_of_business_system() -> str:
    return canonical("CodeSystem/line-of-business")


def document_type_system() -> str:
    return canonical("CodeSystem/document-type")


def fact_choice_system(fact_name: str) -> str:
    return canonical(f"CodeSystem/fact/{fact_name}")


# X12 306 (Action Code) as Da Vinci PAS uses it in reviewAction.
CERTIFIED = ("A1", "Certified in total")
PARTIAL = ("A2", "Certified - partial")
NOT_CERTIFIED = ("A3", "Not Certified")
PENDED = ("A4", "Pended")
MODIFIED = ("A6", "Modified")

# Claim.priority (processpriority): stat is the expedited (72-hour) clock.
PRIORITY = {"stat": "expedited", "normal": "standard", "deferred": "standard"}


def line_of_business_from(system: str, code: str) -> str | None:
    """A line of business from Coverage.type: our own codes, or the payer-type typology (SOPT:
    1x Medicare, 2x Medicaid, 5x/6x private insurance and Blue Cross/Blue Shield)."""
    if system == line_of_business_system():
        return code if code in LineOfBusiness.values else None
    if system == SOPT and code[:1].isdigit():
        return {
            "1": LineOfBusiness.MEDICARE_ADVANTAGE,
            "2": LineOfBusiness.MEDICAID,
            "5": LineOfBusiness.COMMERCIAL,
            "6": LineOfBusiness.COMMERCIAL,
        }.get(code[0])
    return None


# DocumentReference.type: our own codes, or these LOINC document codes.
LOINC_DOCUMENT_TYPES = {
    "11506-3": DocumentType.OFFICE_NOTE,  # Progress note
    "34117-2": DocumentType.OFFICE_NOTE,  # History and physical note
    "11488-4": DocumentType.OFFICE_NOTE,  # Consult note
    "18748-4": DocumentType.IMAGING,  # Diagnostic imaging study
}


def document_type_from(codings: list[dict]) -> str:
    for coding in codings:
        system, code = coding.get("system"), coding.get("code")
        if system == document_type_system() and code in DocumentType.values:
            return code
        if system == LOINC and code in LOINC_DOCUMENT_TYPES:
            return LOINC_DOCUMENT_TYPES[code]
    return DocumentType.OTHER


# The indication a request's diagnoses point to, by ICD-10-CM prefix (longest prefix wins).
# Used only when the request carries no QuestionnaireResponse naming its checklist.
INDICATION_BY_DIAGNOSIS = {
    # Pain related to a tumour, and malignant neoplasms.
    "G89.3": "malignant_pain",
    **{f"C{n:02d}": "malignant_pain" for n in range(0, 97)},
    "C7A": "malignant_pain",
    "C7B": "malignant_pain",
    # Spasticity: cerebral palsy, multiple sclerosis, paralytic syndromes, hereditary spastic
    # paraplegia, spinal cord injury and its sequelae, sequelae of stroke.
    "G80": "spasticity",
    "G35": "spasticity",
    "G81": "spasticity",
    "G82": "spasticity",
    "G83": "spasticity",
    "G11.4": "spasticity",
    "G04.1": "spasticity",
    "G95": "spasticity",
    "S14.1": "spasticity",
    "S24.1": "spasticity",
    "S34.1": "spasticity",
    "T91.3": "spasticity",
    "I69": "spasticity",
    # Chronic non-cancer pain: chronic pain and pain syndromes, back and neck pain, failed back
    # surgery, spinal degeneration, neuropathic pain, complex regional pain syndrome.
    "G89.0": "non_malignant_pain",
    "G89.2": "non_malignant_pain",
    "G89.4": "non_malignant_pain",
    "G90.5": "non_malignant_pain",
    "G54": "non_malignant_pain",
    "G57": "non_malignant_pain",
    "G62": "non_malignant_pain",
    "G63": "non_malignant_pain",
    "M47": "non_malignant_pain",
    "M48": "non_malignant_pain",
    "M50": "non_malignant_pain",
    "M51": "non_malignant_pain",
    "M53": "non_malignant_pain",
    "M54": "non_malignant_pain",
    "M79.2": "non_malignant_pain",
    "M96.1": "non_malignant_pain",
}


def indication_for_diagnosis(code: str) -> str | None:
    for length in range(len(code), 2, -1):
        found = INDICATION_BY_DIAGNOSIS.get(code[:length])
        if found:
            return found
    return None
