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
    policies = []
    for policy in selectors.policies_with_versions():
        versions = sorted(policy.versions.all(), key=lambda v: v.effective_from, reverse=True)
        in_effect = next(
            (
                v
                for v in versions
                if v.effective_from <= today and (v.effective_to is None or v.effective_to >= today)
            ),
            None,
        )
        policies.append({"policy": policy, "versions": versions, "in_effect": in_effect})
    return render(request, "criteria/policy_list.html", {"policies": policies, "today": today})


@require_GET
def checklist_detail(
    request: HttpRequest, policy_key: str, version_label: str, checklist_key: str
) -> HttpResponse:
    checklist = get_object_or_404(
        Checklist.objects.select_related("version__policy"),
        version__policy__key=policy_key,
        version__label=version_label,
        key=checklist_key,
    )
    engine_checklist = selectors.engine_checklist(checklist)
    facts = selectors.fact_dictionary()
    used_facts = [facts[name] for name in engine_checklist.facts]
    return render(
        request,
        "criteria/checklist_detail.html",
        {
            "checklist": checklist,
            "version": checklist.version,
            "policy": checklist.version.policy,
            "tree": engine_checklist.root,
            "facts": facts,
            "used_facts": used_facts,
            "siblings": checklist.version.checklists.all(),
        },
    )


@require_GET
def version_compare(request: HttpRequest, policy_key: str) -> HttpResponse:
    policy = get_object_or_404(Policy, key=policy_key)
    versions = list(policy.versions.order_by("effective_from"))
    if len(versions) < 2:
        raise Http404("This policy has a single version.")
    by_label = {v.label: v for v in versions}
    old = by_label.get(request.GET.get("old", ""), versions[-2])
    new = by_label.get(request.GET.get("new", ""), versions[-1])
    comparisons = compare_versions(
        [selectors.engine_checklist(c) for c in old.checklists.all()],
        [selectors.engine_checklist(c) for c in new.checklists.all()],
    )
    return render(
        request,
        "criteria/version_compare.html",
        {
            "policy": policy,
            "versions": versions,
            "old": old,
            "new": new,
            "comparisons": comparisons,
            "indications": INDICATIONS,
            "stages": STAGES,
        },
    )
