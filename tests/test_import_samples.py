"""The real-format samples of examples/imports/ (examples/imports/README.md says where each shape
comes from): each imports with zero rejections, and a few of its instants, worked out by hand, are
where they should be."""

from __future__ import annotations

import pytest

from conftest import ROOT
from slapolicy.sim.imports import load_profile
from slapolicy.sim.replay import read_profiled

SAMPLES = ROOT / "examples" / "imports"
SHAPES = {  # a sample beside the profile's own (examples/imports/PROFILE.csv) -> its profile, and (ticket, event) -> instant
    "cn-helpdesk.utf8": ("cn-helpdesk", {(0, 0): "2025-03-03T09:12:00+08:00", (0, 4): "2025-03-03T11:47:00+08:00"}),
    "zammad-ticket-report.download": ("zammad-ticket-report", {(0, 0): "2025-03-03T09:12:00+08:00",  # the footer's zone
                                                               (11, 3): "2025-03-07T12:27:00+08:00"}),
    "zendesk-ticket-export.no-priority": (str(SAMPLES / "profiles" / "zendesk-no-priority-is-p3.yaml"),
                                          {(1, 0): "2025-03-03T09:52:00+08:00", (1, 2): "2025-03-03T10:17:00+08:00"}),
    "zendesk-ticket-export.incremental": ("zendesk-ticket-export", {(0, 0): "2025-03-03T01:12:00+00:00",
                                                                   (11, 1): "2025-03-07T01:27:00+00:00"}),
    "zendesk-ticket-export.incremental-metric-sets": ("zendesk-ticket-export", {(0, 2): "2025-03-03T01:21:00+00:00",  # replied
                                                                               (0, 3): "2025-03-03T02:47:00+00:00"}),  # solved
    "znuny-ticket-search.zh_CN": ("znuny-ticket-search", {(0, 0): "2025-03-03T01:12:00+00:00", (11, 2): "2025-03-07T01:47:00+00:00"}),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_real_shape_imports_without_a_rejection_at_the_right_instants(name: str) -> None:
    profile, instants = SHAPES[name]
    for path in sorted(SAMPLES.glob(f"{name}.*")):  # each form of it: .csv, .xlsx, .json …
        imported = read_profiled(load_profile(profile), path.read_bytes())
        assert imported.rejections == [] and imported.tickets
        for (ticket, event), at in instants.items():
            assert imported.tickets[ticket].data["events"][event]["at"] == at
