"""The street layer maps draw without a tile server (issue 7 §4): MAP_BASE_GEOJSON, served
at /maps/base.geojson to logged-in users; a setting that cannot be used is a system check
error, not blank maps."""

import json
import os

import pytest
from django.core import checks

from outletcrm.core import maps
from outletcrm.demo.basemap import hangzhou_streets
from outletcrm.demo.data.hangzhou import STREETS

URL = "/maps/base.geojson"


@pytest.fixture(autouse=True)
def fresh_cache():
    maps._build.cache_clear()
    yield
    maps._build.cache_clear()


def test_the_demo_streets_are_geojson_in_lng_lat_order():
    data = hangzhou_streets()
    streets = [f for f in data["features"] if f["properties"]["kind"] == "street"]
    assert {f["properties"]["name"] for f in streets} == {s.name for s in STREETS}
    yan_an = next(f for f in streets if f["properties"]["name"] == "延安路")
    assert len(yan_an["geometry"]["coordinates"]) == 2  # its two districts' stretches
    lng, lat = yan_an["geometry"]["coordinates"][0][0]
    assert 119.9 < lng < 120.5 and 30.1 < lat < 30.5
    assert all(len(f["properties"]["labels"]) >= 1 for f in streets)
    districts = {f["properties"]["name"] for f in data["features"]
                 if f["properties"]["kind"] == "district"}
    assert districts == {s.district for s in STREETS}


def test_only_logged_in_users_get_the_layer(cast, client, settings):
    settings.MAP_BASE_GEOJSON = "outletcrm.demo.basemap.hangzhou_streets"
    assert client.get(URL).status_code == 403
    client.force_login(cast.alice)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "private" in response["Cache-Control"]
    names = {f["properties"]["name"] for f in response.json()["features"]}
    assert {"文三路", "西湖区"} <= names
    again = client.get(URL, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_company_file_is_served_and_reread_when_it_changes(cast, client, settings, tmp_path):
    path = tmp_path / "streets.geojson"
    line = {"type": "Feature", "properties": {"name": "人民路"},
            "geometry": {"type": "LineString", "coordinates": [[116.39, 39.90], [116.40, 39.91]]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [line]}))
    settings.MAP_BASE_GEOJSON = str(path)
    client.force_login(cast.alice)
    first = client.get(URL)
    assert first.json()["features"][0]["properties"]["name"] == "人民路"
    line["properties"]["name"] = "解放路"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [line]}))
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    second = client.get(URL)
    assert second.json()["features"][0]["properties"]["name"] == "解放路"
    assert second["ETag"] != first["ETag"]


def test_no_layer_configured_answers_404_and_pages_do_not_ask(cast, client, settings):
    settings.MAP_BASE_GEOJSON = ""
    client.force_login(cast.alice)
    assert client.get(URL).status_code == 404
    page = client.get("/customers/").content.decode()
    assert 'data-map-base-url=""' in page


def test_pages_ask_for_the_layer_only_without_a_tile_server(cast, client, settings):
    client.force_login(cast.alice)
    settings.MAP_BASE_GEOJSON = "outletcrm.demo.basemap.hangzhou_streets"
    settings.MAP_TILE_URL = ""
    assert f'data-map-base-url="{URL}"' in client.get("/customers/").content.decode()
    assert f'data-map-base-url="{URL}"' in client.get("/m/").content.decode()
    settings.MAP_TILE_URL = "https://tiles.example.com/{z}/{x}/{y}.png"
    assert 'data-map-base-url=""' in client.get("/customers/").content.decode()


@pytest.mark.parametrize("content", [
    "not json", '{"type": "Feature"}', '{"type": "FeatureCollection"}',
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}',
])
def test_a_broken_setting_is_a_check_error_and_no_500(cast, client, settings, tmp_path,
                                                      content):
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    settings.MAP_BASE_GEOJSON = str(path)
    errors = [e for e in checks.run_checks() if e.id == "outletcrm.E002"]
    assert len(errors) == 1 and "MAP_BASE_GEOJSON" in errors[0].msg
    client.force_login(cast.alice)
    assert client.get(URL).status_code == 404


def test_a_missing_file_or_module_is_a_check_error(settings, tmp_path):
    for value in (str(tmp_path / "missing.geojson"), "outletcrm.nowhere.streets"):
        settings.MAP_BASE_GEOJSON = value
        assert [e.id for e in checks.run_checks() if e.id == "outletcrm.E002"] == ["outletcrm.E002"]
