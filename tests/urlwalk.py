"""Walk the URL resolver and produce a concrete, requestable path for every pattern.

Tests built on this cover every endpoint, including ones added later, without listing URLs by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLE_BY_CONVERTER = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "sample/path",
}


@dataclass(frozen=True)
class Endpoint:
    path: str
    name: str  # "namespace:name", or "" for an unnamed pattern
    callback: Callable

    @property
    def view_name(self) -> str:
        return f"{self.callback.__module__}.{getattr(self.callback, '__name__', '?')}"


def _route_sample(route: str, samples: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        return samples.get(name, SAMPLE_BY_CONVERTER.get(converter, "1"))

    return re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def _regex_sample(regex: str, samples: dict[str, str]) -> str:
    def group(match: re.Match) -> str:
        name, body = match.group(1), match.group(2)
        if name in samples:
            return samples[name]
        if "|" in body and re.fullmatch(r"[\w|]+", body):
            return body.split("|")[0]
        return "1"

    text = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, regex)
    text = text.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return re.sub(r"[?*+]", "", text)


def _walk(patterns, prefix: str, namespace: str, samples: dict[str, str]) -> Iterator[Endpoint]:
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = _route_sample(str(pattern), samples)
        elif isinstance(pattern, RegexPattern):
            part = _regex_sample(pattern.regex.pattern, samples)
        else:  # LocalePrefixPattern and friends
            part = ""
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            full_ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else ns
            yield from _walk(entry.url_patterns, prefix + part, full_ns or "", samples)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Endpoint("/" + (prefix + part).lstrip("/"), name, entry.callback)


def endpoints(samples: dict[str, str] | None = None) -> list[Endpoint]:
    """Every URL pattern, with path parameters replaced by ``samples`` (by name) or defaults."""
    return list(_walk(get_resolver().url_patterns, "", "", samples or {}))
