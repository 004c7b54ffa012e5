def test_catalogue_counts_match_the_seed(client):
    body = client.get("/api/v1/matters").json
    assert body["summary"] == {"total": 11, "zero_material": 6, "instant": 9, "auto_decided": 4}
    assert len(body["items"]) == 11
    assert sum(m["zero_material"] for m in body["items"]) == 6
    assert sum(m["instant"] for m in body["items"]) == 9
    assert sum(m["auto_decided"] for m in body["items"]) == 4


def test_each_matter_carries_every_documented_field(client):
    items = client.get("/api/v1/matters").json["items"]
    renew = next(m for m in items if m["code"] == "driver-cert-renew")
    assert renew["name"] == "网约车驾驶员从业资格证换发"
    assert renew["subject"] == "driver"
    assert (renew["zero_material"], renew["instant"], renew["auto_decided"]) == (True, True, True)
    assert "kiosk" in renew["channels"]
    assert renew["legal_basis"] and renew["name_en"]
    assert {m["subject"] for m in items} == {"driver", "vehicle", "platform"}
    issue = next(m for m in items if m["code"] == "driver-cert-issue")
    assert issue["instant"] is False and issue["time_limit_days"] > 0


def test_matters_command_prints_the_same_table(cli):
    result = cli.invoke(args=["matters"])
    assert result.exit_code == 0
    assert "vehicle-permit-issue" in result.output
    assert "网约车平台公司经营许可变更" in result.output
    assert "11 matters, 6 zero-material, 9 instant, 4 decided by the system" in result.output
