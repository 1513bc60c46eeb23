"""The map of Peru's regions, computed from the district capitals; no database."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from asamblea.deliberation import regions_map
from asamblea.deliberation.regions_map import RegionFill, compute_map, load_districts, render_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def peru():
    return regions_map.peru_map()


def test_every_regional_government_is_on_the_map(peru):
    codes = {d.region for d in load_districts()}
    assert len(codes) == 26
    assert set(peru.regions) == codes
    for shape in peru.regions.values():
        assert shape.cells >= 1 and shape.path.startswith("M") and shape.path.endswith("Z")
    # Loreto is the largest region, Callao the smallest.
    by_size = sorted(peru.regions.values(), key=lambda s: s.cells)
    assert by_size[-1].name == "Loreto" and by_size[0].name == "Callao"


def test_district_capitals_mostly_fall_in_their_own_region(peru):
    """Each capital's grid cell belongs to its own region, bar a few on borders."""
    districts = load_districts()
    mean_lat = sum(d.latitude for d in districts) / len(districts)
    squash = math.cos(math.radians(mean_lat))
    hits = 0
    for district in districts:
        x = district.longitude * squash * regions_map.SCALE
        y = -district.latitude * regions_map.SCALE
        hits += _region_at(peru, districts, x, y, squash) == district.region
    assert hits / len(districts) > 0.9


def _region_at(peru, districts, x, y, squash):
    """The region whose nearest district the map gives the cell containing (x, y)."""
    px = np.array([d.longitude * squash for d in districts]) * regions_map.SCALE
    py = np.array([-d.latitude for d in districts]) * regions_map.SCALE
    size = regions_map.CELL_DEGREES * regions_map.SCALE
    x0 = px.min() - regions_map.REACH_DEGREES * regions_map.SCALE
    y0 = py.min() - regions_map.REACH_DEGREES * regions_map.SCALE
    cx = x0 + (math.floor((x - x0) / size) + 0.5) * size
    cy = y0 + (math.floor((y - y0) / size) + 0.5) * size
    return districts[int(((px - cx) ** 2 + (py - cy) ** 2).argmin())].region


def test_labels_sit_inside_their_region(peru):
    width, height = peru.width, peru.height
    for shape in peru.regions.values():
        assert 0 < shape.label_x < width and 0 < shape.label_y < height


def test_the_svg_is_well_formed_and_escapes_titles(peru):
    fills = {"05": RegionFill("#123456", 'Ayacucho <"quoted"> & co', "/f/peru/b/x/?a=1&b=2", "50%")}
    svg = render_svg(peru, fills, title="Uptake & more")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted data
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 26
    painted = [p for p in paths if p.get("fill") == "#123456"]
    assert len(painted) == 1 and painted[0].get("data-region") == "05"
    assert painted[0].find(f"{SVG}title").text == 'Ayacucho <"quoted"> & co'
    assert root.find(f".//{SVG}a").get("href") == "/f/peru/b/x/?a=1&b=2"
    assert [t.text for t in root.findall(f".//{SVG}text")] == ["50%"]


def test_a_map_with_links_is_a_group_of_named_links_not_an_image_holding_them(peru):
    # An image's content is hidden from screen readers: links inside it are never reached
    # (axe: nested-interactive).
    linked = ET.fromstring(  # noqa: S314 - our own output
        render_svg(peru, {"05": RegionFill("#123456", "Ayacucho: 3 of 5", "/f/x/")}, title="T")
    )
    assert linked.get("role") == "group" and linked.get("aria-label") == "T"
    assert linked.find(f".//{SVG}a").get("aria-label") == "Ayacucho: 3 of 5"
    plain = ET.fromstring(render_svg(peru, {"05": RegionFill("#123456", "A")}, title="T"))  # noqa: S314
    assert plain.get("role") == "img" and plain.find(f".//{SVG}a") is None


def test_outlines_are_traced_from_cells():
    mask = np.array([[True, True], [True, False]])
    path = regions_map._outline(mask, 10.0)
    # An L of three cells: six corners, one loop.
    assert path.count("M") == 1 and path.count("L") == 5
    ring = np.array([[True, True, True], [True, False, True], [True, True, True]])
    assert regions_map._outline(ring, 1.0).count("M") == 2  # the outside and the hole


def test_the_map_is_the_same_every_time():
    districts = load_districts()[:300]
    assert compute_map(districts) == compute_map(districts)
    assert compute_map([]).regions == {}


@pytest.mark.parametrize("text", ["100%", "7%", "Amazonas"], ids=["widest-share", "narrow", "name"])
def test_no_two_labels_overlap_on_the_coast_or_anywhere(peru, text):
    """Every region labelled at once: each label's box overlaps no other, and stays in
    the drawing; a label with no room in its region sits beside the map with a line."""
    placed, column = regions_map.place_labels(peru, dict.fromkeys(peru.regions, text))
    assert sorted(label.code for label in placed) == sorted(peru.regions)
    boxes = [label.box for label in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (placed[boxes.index(a)], placed[boxes.index(b)])
    for label in placed:
        left, top, right, bottom = label.box
        assert -column <= left and right <= peru.width and top >= 0 and bottom <= peru.height
        assert label.width >= regions_map.label_width(text)
        if label.leader is None:
            # On its own region: the centre is one of the region's cells.
            assert (label.x, label.y) in peru.regions[label.code].spots
        else:
            assert right < 0, "beside the map, over the sea"
            assert label.leader == (
                peru.regions[label.code].label_x,
                peru.regions[label.code].label_y,
            )
    # Lima, Callao and the north coast are crowded: not everything fits in place...
    assert any(label.leader for label in placed)
    # ...but most labels sit on their region.
    assert sum(label.leader is None for label in placed) >= 20


def test_the_svg_draws_the_labels_where_they_were_placed(peru):
    fills = {code: RegionFill("#123456", code, "", "100%") for code in peru.regions}
    root = ET.fromstring(render_svg(peru, fills, title="t"))  # noqa: S314 - our own output
    placed, column = regions_map.place_labels(peru, {code: "100%" for code in peru.regions})
    texts = {
        t.get("data-region"): (float(t.get("x")), float(t.get("y")))
        for t in root.iter(f"{SVG}text")
    }
    assert texts == {label.code: (label.x, label.y) for label in placed}
    assert len(root.findall(f"{SVG}line")) == sum(1 for label in placed if label.leader)
    assert root.get("viewBox").split()[0] == f"{-column:g}"
