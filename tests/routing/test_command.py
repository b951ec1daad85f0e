"""`outletcrm optimize-route`: routes with customer numbers as in the file; bad files fail clearly."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outletcrm.routing.checker import check_solution
from outletcrm.routing.vrplib_io import read_instance


def test_json_output_lists_checkable_routes(vrptw_dir):
    out = io.StringIO()
    call_command(
        "optimize_route",
        instance=str(vrptw_dir / "C101.vrp"),
        seconds=0.5,
        format="json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["vehicles"] == len(result["routes"])
    report = check_solution(read_instance(vrptw_dir / "C101.vrp"), result["routes"])
    assert report.feasible and report.cost == pytest.approx(result["distance"])


def test_text_output_looks_like_a_sol_file(vrptw_dir):
    out = io.StringIO()
    call_command(
        "optimize_route", "--instance", str(vrptw_dir / "C201.vrp"), "--seconds", "0.3", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Route #1: ")
    assert lines[-2].startswith("Vehicles ") and lines[-1].startswith("Cost ")


def test_a_bad_file_is_a_command_error(tmp_path):
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : x\nDIMENSION : 3\n")
    with pytest.raises(CommandError, match="bad instance file: .*missing header field CAPACITY"):
        call_command("optimize_route", instance=str(bad), seconds=0.1)
    with pytest.raises(CommandError, match="no such file"):
        call_command("optimize_route", instance=str(tmp_path / "missing.vrp"), seconds=0.1)
