"""The hand-made Tokyo bounding boxes: complete, well-formed, and holding the real files' points."""
import pandas as pd
import pytest

from quality.codes import lg_code_valid
from quality.rules import JAPAN, tokyo_bbox
from tests.quality.quality_reader import REALDATA, read_csv


def test_tokyo_and_its_62_municipalities():
    boxes = tokyo_bbox()
    assert len(boxes) == 63 and "130001" in boxes and "134210" in boxes
    assert lg_code_valid(pd.Series(list(boxes))).all()
    assert sum(1 for c in boxes if c.startswith("131")) == 23
    for code, (lat0, lat1, lon0, lon1) in boxes.items():
        assert JAPAN["latitude"][0] <= lat0 < lat1 <= JAPAN["latitude"][1], code
        assert JAPAN["longitude"][0] <= lon0 < lon1 <= JAPAN["longitude"][1], code
        if code != "130001":
            t = boxes["130001"]
            assert t[0] <= lat0 and lat1 <= t[1] and t[2] <= lon0 and lon1 <= t[3], f"{code} sticks out of 東京都"


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not available")
@pytest.mark.parametrize("name, code", [("tokyo_koto__GIS_131083_public_toilet.csv", "131083"),
                                        ("tokyo_meguro__GIS_131105_public_toilet_20210401.csv", "131105"),
                                        ("tokyo_nakano__GIS_opendata_550070.csv", "131148")])
def test_real_ward_points_lie_in_their_box(name, code):
    t = read_csv(REALDATA / name).to_pandas()
    lat, lon = pd.to_numeric(t["緯度"]), pd.to_numeric(t["経度"])
    lat0, lat1, lon0, lon1 = tokyo_bbox()[code]
    assert lat.between(lat0, lat1).all() and lon.between(lon0, lon1).all()
