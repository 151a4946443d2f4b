from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors
from .compare import compare_versions
from .models import Checklist, Policy
from .vocabulary import INDICATIONS, STAGES


@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    policies = selectors.library_overview(on=today)
    return render(request, "criteria/policy_list.html", {"policies": policies, "today": today})


@require_GET
def checklist_detail(
    request: HttpRequest, policy_key: str, version_label: str, checklist_key: str
) -> HttpResponse:
    """A checklist of the version's latest edition, or of an earlier one (``?edition=N``)."""
    rows = Checklist.objects.select_related("version__policy", "edition").filter(
        version__policy__key=policy_key, version__label=version_label, key=checklist_key
    )
    edition = request.GET.get("edition", "")
    if edition and not edition.isdigit():
        raise Http404("No such edition.")
    if edition:
        rows = rows.filter(edition__number=int(edition))
    checklist = get_object_or_404(rows.order_by("-edition__number")[:1])
    version = checklist.version
    engine_checklist = selectors.engine_checklist(checklist)
    facts = selectors.fact_dictionary()
    used_facts = [facts[name] for name in engine_checklist.facts]
    today = timezone.localdate()
    return render(
        request,
        "criteria/checklist_detail.html",
        {
            "checklist": checklist,
            "version": version,
            "policy": version.policy,
            "tree": engine_checklist.root,
            "routes": engine_checklist.all_routes(),
            "facts": facts,
            "used_facts": used_facts,
            "siblings": selectors.edition_checklists(version, checklist.edition.number),
            "older_edition": checklist.edition.number < version.edition,
            "review_overdue": version.review_overdue_on(today),
            "today": today,
        },
    )


@require_GET
def version_compare(request: HttpRequest, policy_key: str) -> HttpResponse:
    """Two editions of the policy side by side: by default the two latest versions, or the two
    latest editions of a policy with a single version. ``old`` / ``new`` pick others, written
    ``<version label>`` (its latest edition) or ``<version label>@<edition>``."""
    policy = get_object_or_404(Policy, key=policy_key)
    versions = list(policy.versions.order_by("effective_from").prefetch_related("editions"))
    choices = [(v, e.number) for v in versions for e in v.editions.all()]
    if len(choices) < 2:
        raise Http404("This policy has a single version and a single edition.")
    by_value = {f"{v.label}@{n}": (v, n) for v, n in choices}
    by_value |= {v.label: (v, v.edition) for v in versions}
    if len(versions) >= 2:
        default_old = (versions[-2], versions[-2].edition)
        default_new = (versions[-1], versions[-1].edition)
    else:
        default_old, default_new = choices[-2], choices[-1]
    old = by_value.get(request.GET.get("old", ""), default_old)
    new = by_value.get(request.GET.get("new", ""), default_new)
    comparisons = compare_versions(
        [selectors.engine_checklist(c) for c in selectors.edition_checklists(*old)],
        [selectors.engine_checklist(c) for c in selectors.edition_checklists(*new)],
    )
    return render(
        request,
        "criteria/version_compare.html",
        {
            "policy": policy,
            "choices": [(f"{v.label}@{n}", v, n) for v, n in choices],
            "old": old[0],
            "old_edition": old[1],
            "old_value": f"{old[0].label}@{old[1]}",
            "new": new[0],
            "new_edition": new[1],
            "new_value": f"{new[0].label}@{new[1]}",
            "comparisons": comparisons,
            "indications": INDICATIONS,
            "stages": STAGES,
        },
    )
