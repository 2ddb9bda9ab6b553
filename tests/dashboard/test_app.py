"""The minimal dashboard page on the demo lake and on an empty lake (AppTest, the real app)."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def app(monkeypatch):
    def start(lake_root):
        monkeypatch.setenv("THIDUA_LAKE", str(lake_root))
        return AppTest.from_file(APP, default_timeout=60).run()
    return start


def test_overview_on_the_demo_lake(app, demo_lake_dir):
    at = app(demo_lake_dir / "lake")
    assert not at.exception
    assert at.title[0].value == "Tổng quan thực hiện chỉ tiêu thi đua"
    assert [m.label for m in at.metric] == ["Vượt", "Đạt", "Chưa đạt", "Chưa có số liệu"]
    assert sum(int(m.value) for m in at.metric) > 0
    assert len(at.dataframe) == 1
    at.selectbox[0].select("LS2021").run()
    assert at.query_params["campaign"] == ["LS2021"] or at.query_params["campaign"] == "LS2021"


def test_empty_lake_says_what_to_do(app, tmp_path):
    at = app(tmp_path / "empty")
    assert not at.exception
    assert "python -m jobs demo" in at.info[0].value
