"""The dashboard bench's browser measure keeps working: it signs in on a real server and
reports the overview's time and Streamlit's own round trip (figures printed, never asserted)."""
from pathlib import Path

import pytest

from bench.dashboard import CHROMIUM, sign_in_to_overview


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_sign_in_to_overview_is_measured_against_streamlits_round_trip(demo_lake):
    ours, floor = sign_in_to_overview(demo_lake, repeat=1)
    assert ours > floor > 0
