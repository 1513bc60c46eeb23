"""A map of Peru's regions computed from the districts' coordinates, as SVG.

Nobody drew this map: it is worked out from the 1,891 district capitals in
`federation/data/peru/distritos.csv` (latitude, longitude and regional
government of each), so it follows the same data the federation is built from.

Method (a raster Voronoi map):

1. Project every district capital with an equirectangular projection, the
   longitude scaled by cos(mean latitude), so that distances on the map are
   close to distances on the ground.
2. Lay a square grid over the country (`cell` degrees a side). Each cell takes
   the regional government of the nearest district capital: the cell belongs
   to the region whose district is closest, as in a Voronoi diagram.
3. Keep only the cells inside the convex hull of all capitals and within
   `reach` degrees of one, so the outline follows the country rather than a
   rectangle (the coast is approximate at this scale).
4. Trace the outline of each region's cells into an SVG path: every cell edge
   that has another region (or nothing) on its other side is a border edge;
   the directed border edges are chained into closed loops and straight runs
   merged, which gives one path per region with holes and islands as they come.

Regions are keyed by the code the Peru template gives their assemblies
(`Body.code`): "01".."25" for departments, "LIMA-METROPOLITANA" and
"LIMA-REGION" for the two halves of Lima.

Pure module: no Django import.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources

import numpy as np

CELL_DEGREES = 0.18
REACH_DEGREES = 1.4
SCALE = 20.0  # SVG units per degree
SPOTS = 60  # places tried for a region's label before it goes beside the map
FONT_SIZE = 9.0  # of the labels, in SVG units


@dataclass(frozen=True)
class RegionShape:
    """One region on the map: its outline path, a point for its label, its size in cells."""

    code: str
    name: str
    path: str
    label_x: float
    label_y: float
    cells: int
    # Other places for the label, inside the region, nearest its centre first.
    spots: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class RegionMap:
    width: float
    height: float
    regions: dict[str, RegionShape]


@dataclass(frozen=True)
class District:
    region: str
    region_name: str
    latitude: float
    longitude: float


def load_districts() -> list[District]:
    """The district capitals of Peru with their regional government."""
    source = resources.files("asamblea.federation").joinpath("data", "peru", "distritos.csv")
    names = {
        "LIMA-METROPOLITANA": "Lima Metropolitana",
        "LIMA-REGION": "Lima Provincias",
    }
    text = source.read_text(encoding="utf-8-sig")
    return [
        District(
            row["gobierno_regional"],
            names.get(row["gobierno_regional"], row["departamento"]),
            float(row["latitud"]),
            float(row["longitud"]),
        )
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]


def _convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the hull's corners, counter-clockwise."""
    points = sorted(set(points))

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in points:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _inside_hull(hull: list[tuple[float, float]], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Whether each point (xs[i], ys[i]) lies in the counter-clockwise convex `hull`."""
    inside = np.ones(xs.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(hull, hull[1:] + hull[:1], strict=True):
        inside &= (x1 - x0) * (ys - y0) - (y1 - y0) * (xs - x0) >= 0
    return inside


def compute_map(
    districts: list[District], cell: float = CELL_DEGREES, reach: float = REACH_DEGREES
) -> RegionMap:
    """The region map of these districts (see the module doc for the method)."""
    if not districts:
        return RegionMap(0, 0, {})
    mean_lat = sum(d.latitude for d in districts) / len(districts)
    squash = math.cos(math.radians(mean_lat))
    # Map coordinates in degrees: x grows east, y grows south (SVG's y points down).
    px = np.array([d.longitude * squash for d in districts])
    py = np.array([-d.latitude for d in districts])
    codes = sorted({d.region for d in districts})
    code_index = {code: n for n, code in enumerate(codes)}
    region_of = np.array([code_index[d.region] for d in districts])
    x0, y0 = px.min() - reach, py.min() - reach
    cols = math.ceil((px.max() + reach - x0) / cell)
    rows = math.ceil((py.max() + reach - y0) / cell)
    gx, gy = np.meshgrid(x0 + (np.arange(cols) + 0.5) * cell, y0 + (np.arange(rows) + 0.5) * cell)
    cx, cy = gx.ravel(), gy.ravel()
    nearest = np.empty(cx.shape, dtype=np.int64)
    distance = np.empty(cx.shape)
    for start in range(0, cx.size, 2048):  # chunks keep the distance matrix small
        dx = cx[start : start + 2048, None] - px[None, :]
        dy = cy[start : start + 2048, None] - py[None, :]
        squared = dx * dx + dy * dy
        nearest[start : start + 2048] = squared.argmin(axis=1)
        distance[start : start + 2048] = np.sqrt(squared.min(axis=1))
    hull = _convex_hull(list(zip(px.tolist(), py.tolist(), strict=True)))
    keep = (distance <= reach) & _inside_hull(hull, cx, cy)
    grid = np.where(keep, region_of[nearest], -1).reshape(rows, cols)
    names = {d.region: d.region_name for d in districts}
    regions: dict[str, RegionShape] = {}
    for code, number in code_index.items():
        mask = grid == number
        if not mask.any():
            continue
        r, c = np.nonzero(mask)
        # The label sits on the region's cell nearest its centre, so it is always inside.
        mr, mc = r.mean(), c.mean()
        near = np.argsort((r - mr) ** 2 + (c - mc) ** 2, kind="stable")
        pick = int(near[0])
        regions[code] = RegionShape(
            code=code,
            name=names[code],
            path=_outline(mask, SCALE * cell),
            label_x=round(float(c[pick] + 0.5) * cell * SCALE, 1),
            label_y=round(float(r[pick] + 0.5) * cell * SCALE, 1),
            cells=int(mask.sum()),
            spots=tuple(
                (
                    round(float(c[i] + 0.5) * cell * SCALE, 1),
                    round(float(r[i] + 0.5) * cell * SCALE, 1),
                )
                for i in near[:SPOTS].tolist()
            ),
        )
    return RegionMap(round(cols * cell * SCALE, 1), round(rows * cell * SCALE, 1), regions)


def _outline(mask: np.ndarray, size: float) -> str:
    """An SVG path tracing the border of the True cells of `mask` (nonzero fill rule).

    Each True cell contributes its four edges clockwise; an edge shared with
    another True cell appears once in each direction and cancels. What is left
    are the border edges, chained head to tail into closed loops.
    """
    rows, cols = mask.shape
    padded = np.zeros((rows + 2, cols + 2), dtype=bool)
    padded[1:-1, 1:-1] = mask
    edges: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    r_idx, c_idx = np.nonzero(mask)
    for r, c in zip(r_idx.tolist(), c_idx.tolist(), strict=True):
        pr, pc = r + 1, c + 1
        # Corners (x, y) of cell (r, c): top-left (c, r); clockwise on screen.
        if not padded[pr - 1, pc]:
            edges[(c, r)].append((c + 1, r))
        if not padded[pr, pc + 1]:
            edges[(c + 1, r)].append((c + 1, r + 1))
        if not padded[pr + 1, pc]:
            edges[(c + 1, r + 1)].append((c, r + 1))
        if not padded[pr, pc - 1]:
            edges[(c, r + 1)].append((c, r))
    parts: list[str] = []
    while edges:
        start = next(iter(edges))
        loop = [start]
        point = start
        while True:
            targets = edges[point]
            following = targets.pop()
            if not targets:
                del edges[point]
            if following == start:
                break
            loop.append(following)
            point = following
        parts.append(_loop_path(_simplify(loop), size))
    return " ".join(parts)


def _simplify(loop: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop corners that lie on a straight run."""
    kept = []
    n = len(loop)
    for i, (x, y) in enumerate(loop):
        (ax, ay), (bx, by) = loop[i - 1], loop[(i + 1) % n]
        if (x - ax) * (by - y) != (y - ay) * (bx - x):
            kept.append((x, y))
    return kept or loop


def _loop_path(loop: list[tuple[int, int]], size: float) -> str:
    def fmt(value: float) -> str:
        return f"{value:.1f}".rstrip("0").rstrip(".")

    first, *rest = loop
    text = f"M{fmt(first[0] * size)} {fmt(first[1] * size)}"
    for x, y in rest:
        text += f"L{fmt(x * size)} {fmt(y * size)}"
    return text + "Z"


@lru_cache(maxsize=1)
def peru_map() -> RegionMap:
    """The map of Peru's 26 regional governments (computed once per process)."""
    return compute_map(load_districts())


@dataclass(frozen=True)
class RegionFill:
    """How to paint a region: a CSS colour, a one-line title and an optional link."""

    color: str
    title: str
    href: str = ""
    label: str = ""


@dataclass(frozen=True)
class PlacedLabel:
    """A label's place: its centre and size; `leader` is the point inside its region a
    line runs to when the label sits beside the map (None: it sits on its region)."""

    code: str
    text: str
    x: float
    y: float
    width: float
    height: float
    leader: tuple[float, float] | None = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom)."""
        half_w, half_h = self.width / 2, self.height / 2
        return (self.x - half_w, self.y - half_h, self.x + half_w, self.y + half_h)


def label_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A generous width of `text` in a sans-serif font: digits are about 0.64 em, a
    per cent sign about 0.96 em, a letter at most about 0.7 em (DejaVu Sans, Arial)."""
    widths = {"%": 0.96, " ": 0.32, ".": 0.32, ",": 0.32}
    return round(sum(widths.get(ch, 0.64 if ch.isdigit() else 0.72) for ch in text) * font_size, 1)


def _overlaps(a: tuple[float, ...], b: tuple[float, ...], gap: float) -> bool:
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def place_labels(
    region_map: RegionMap, labels: Mapping[str, str], *, font_size: float = FONT_SIZE
) -> tuple[list[PlacedLabel], float]:
    """Where each label goes so that no two overlap: the largest regions first, each on
    the free place of its region nearest its centre; a label with no room in its small
    region (Callao, Lima, the coast) goes in a column left of the map, over the sea,
    with a line to its region. Returns the labels and the column's width (0: none)."""
    height = font_size * 1.25  # ascent and descent, as a browser measures a line
    gap = 1.0
    placed: list[PlacedLabel] = []
    beside: list[tuple[str, str, float, RegionShape]] = []
    order = sorted(
        (code for code in labels if code in region_map.regions and labels[code]),
        key=lambda code: (-region_map.regions[code].cells, code),
    )
    for code in order:
        shape, text = region_map.regions[code], labels[code]
        width = label_width(text, font_size)
        for x, y in shape.spots or ((shape.label_x, shape.label_y),):
            label = PlacedLabel(code, text, x, y, width, height)
            left, top, right, bottom = label.box
            inside = left >= 0 and top >= 0 and right <= region_map.width
            if (
                inside
                and bottom <= region_map.height
                and not any(_overlaps(label.box, other.box, gap) for other in placed)
            ):
                placed.append(label)
                break
        else:
            beside.append((code, text, width, shape))
    if not beside:
        return placed, 0.0
    column = max(width for _code, _text, width, _shape in beside) + 2 * gap + 8
    # Down the column in the order of the regions from north to south, each at the
    # height of its region or just below the one above it; pushed up if past the foot.
    beside.sort(key=lambda item: (item[3].label_y, item[0]))
    ys: list[float] = []
    for _code, _text, _width, shape in beside:
        lowest = ys[-1] + height + gap if ys else height / 2
        ys.append(max(shape.label_y, lowest))
    foot = region_map.height - height / 2
    for i in range(len(ys) - 1, -1, -1):
        ceiling = foot if i == len(ys) - 1 else ys[i + 1] - height - gap
        ys[i] = min(ys[i], ceiling)
    for (code, text, width, shape), y in zip(beside, ys, strict=True):
        placed.append(
            PlacedLabel(
                code,
                text,
                round(-column + gap + width / 2, 1),
                round(y, 1),
                width,
                height,
                leader=(float(shape.label_x), float(shape.label_y)),
            )
        )
    return placed, column


def render_svg(
    region_map: RegionMap, fills: Mapping[str, RegionFill], *, title: str, empty: str = "#e5e5e5"
) -> str:
    """The map as an inline SVG element; regions without a fill are drawn grey.

    A map whose regions link somewhere is a group of links, each named by its region's
    title (an image may hold no link: screen readers would never reach them); one
    without links is a single image."""
    linked = any(fill.href for fill in fills.values())
    role = "group" if linked else "img"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {region_map.width} '
        f'{region_map.height}" role="{role}" aria-label="{escape(title)}" class="region-map">',
        f"<title>{escape(title)}</title>",
    ]
    for code, shape in sorted(region_map.regions.items()):
        fill = fills.get(code)
        color = fill.color if fill else empty
        tip = fill.title if fill else shape.name
        path = (
            f'<path d="{shape.path}" fill="{escape(color)}" stroke="#fff" stroke-width="1.2" '
            f'data-region="{escape(code)}"><title>{escape(tip)}</title></path>'
        )
        if fill and fill.href:
            path = f'<a href="{escape(fill.href)}" aria-label="{escape(tip)}">{path}</a>'
        parts.append(path)
    placed, column = place_labels(
        region_map, {code: fill.label for code, fill in fills.items() if fill.label}
    )
    for label in sorted(placed, key=lambda item: item.code):
        if label.leader is not None:
            parts.append(
                f'<line x1="{round(label.box[2] + 1, 1)}" y1="{label.y}" '
                f'x2="{label.leader[0]}" y2="{label.leader[1]}" stroke="#333" '
                f'stroke-width="0.6" pointer-events="none"/>'
            )
        parts.append(
            f'<text x="{label.x}" y="{label.y}" text-anchor="middle" '
            f'dominant-baseline="central" font-size="{FONT_SIZE:g}" pointer-events="none" '
            f'data-region="{escape(label.code)}">{escape(label.text)}</text>'
        )
    parts.append("</svg>")
    if column:
        # The column of labels beside the map widens the drawing to the left.
        parts[0] = parts[0].replace(
            f'viewBox="0 0 {region_map.width} ',
            f'viewBox="{-column:g} 0 {round(region_map.width + column, 1):g} ',
            1,
        )
    return "".join(parts)
