import pytest

from datasets.store import point_ewkt, shape_ewkt, shape_wkt


def test_point_puts_longitude_first():
    assert point_ewkt((48.85, 2.35)) == "SRID=4326;POINT(2.35 48.85)"
    assert point_ewkt({"type": "Point", "coordinates": [2.35, 48.85]}) == "SRID=4326;POINT(2.35 48.85)"


@pytest.mark.parametrize(
    ("shape", "wkt"),
    [
        ({"type": "Point", "coordinates": [1.0, 2.0]}, "POINT(1.0 2.0)"),
        ({"type": "MultiPoint", "coordinates": [[1.0, 2.0], [3.0, 4.0]]}, "MULTIPOINT(1.0 2.0,3.0 4.0)"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "LINESTRING(0 0,1 1)"),
        (
            {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]},
            "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "POLYGON((0 0,1 0,1 1,0 0))"),
        (
            {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]},
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
        ),
        (
            {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "coordinates": [1, 2]},
                    {
                        "type": "GeometryCollection",
                        "geometries": [{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}],
                    },
                ],
            },
            "GEOMETRYCOLLECTION(POINT(1 2),GEOMETRYCOLLECTION(LINESTRING(0 0,1 1)))",
        ),
    ],
)
def test_geojson_to_wkt(shape, wkt):
    assert shape_wkt(shape) == wkt
    assert shape_ewkt(shape) == "SRID=4326;" + wkt


def test_a_third_coordinate_is_dropped_for_2d_columns():
    assert shape_wkt({"type": "LineString", "coordinates": [[0, 0, 5], [1, 1, 6]]}) == "LINESTRING(0 0,1 1)"


def test_unknown_geometry_type_is_an_error():
    with pytest.raises(ValueError):
        shape_wkt({"type": "Circle", "coordinates": [0, 0]})
