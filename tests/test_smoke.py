from flows import register_talent


def test_selection_case_reaches_the_talent_database(api):
    instance_id = register_talent(api)
    talents = api.get("/api/talents", "hr_reviewer").get_json()
    assert [(t["username"], t["status"]) for t in talents] == [("applicant", "active")]
    assert api.instance(instance_id, "applicant")["data"]["eligibility"]["eligible"] is True
