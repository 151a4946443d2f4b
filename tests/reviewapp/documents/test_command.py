"""``manage.py evidence suggest --json FILE...``: the contract, per-file errors, exit status."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command


def run(*args: str, capsys) -> tuple[dict | str, str]:
    call_command("evidence", "suggest", *args)
    out, err = capsys.readouterr()
    return (json.loads(out) if "--json" in args else out), err


def test_suggest_json_for_a_text_pdf_and_a_scan(corpus, capsys):
    trial, scan = corpus["trial-report.pdf"], corpus["baclofen-screening.png"]
    data, err = run("--json", str(trial.path), str(scan.path), capsys=capsys)
    assert err == ""
    assert [d["file"] for d in data["documents"]] == ["trial-report.pdf", "baclofen-screening.png"]
    first, second = data["documents"]
    assert (first["pages"], first["ocr"]) == (1, False)
    assert (second["pages"], second["ocr"]) == (1, True)
    assert set(first) == {"file", "pages", "ocr", "suggestions"}
    assert first["suggestions"][0]["fact"] == "trial_performed"  # the bolus line comes first
    assert first["suggestions"][1] == {
        "fact": "trial_pain_relief_percent",
        "value": 75,
        "page": 1,
        "quote": "She reported 75% pain relief lasting about 14 hours.",
    }
    values = {s["fact"]: s["value"] for s in second["suggestions"]}
    assert values["spasticity_cause"] == "multiple_sclerosis"  # a choice, as the dictionary has it
    assert values["intrathecal_baclofen"] is True  # a boolean, typed
    assert values["trial_side_effects"] == "none"  # "without side effects"
    assert values["trial_spasm_relief_percent"] == 60  # a number, not text


def test_bad_files_get_a_message_each_and_a_non_zero_exit(corpus, tmp_path, capsys):
    fake = tmp_path / "fake.pdf"
    fake.write_text("just text pretending to be a PDF")
    good = corpus["surgeon-note.txt"].path
    with pytest.raises(CommandError, match="2 of 3 file"):
        call_command(
            "evidence", "suggest", "--json", str(fake), str(good), str(tmp_path / "nope.pdf")
        )
    out, err = capsys.readouterr()
    assert "fake.pdf: not read: the content is plain text, but the name says .pdf" in err
    assert "nope.pdf: not read: no such file" in err
    data = json.loads(out)  # the readable file is still reported
    assert [d["file"] for d in data["documents"]] == ["surgeon-note.txt"]


def test_plain_output(corpus, capsys):
    out, _ = run(str(corpus["replacement-letter.txt"].path), capsys=capsys)
    assert "replacement-letter.txt: 1 page(s)" in out
    assert "pump_battery_depleted = True" in out
