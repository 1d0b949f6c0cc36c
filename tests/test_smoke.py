from flows import register_talent


def test_selection_case_reaches_the_talent_database(api):
    instance_id = register_talent(api)
    talents = api.get("/api/talents", "hr_reviewer").get_json()
    assert [(t["username"], t["status"]) for t in talents] == [("applicant", "active")]
    assert api.instance(instance_id, "applicant")["data"]["eligibility"]["eligible"] is True


def test_init_db_fails_loudly_without_the_shipped_diagrams(tmp_path, monkeypatch):
    """A broken install says so and exits non-zero instead of "database is up to date"."""
    from click.testing import CliRunner

    from talentflow.cli import main
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("TALENTFLOW_WORKFLOWS_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    for command in ("init-db", "seed-demo"):
        result = CliRunner().invoke(main, [command])
        assert result.exit_code != 0
        assert "no shipped diagrams" in result.output
    assert not (tmp_path / "x.db").exists() or (tmp_path / "x.db").stat().st_size == 0


def test_shipped_data_comes_from_the_package():
    """Diagrams and forms are package data (`talentflow.workflows`, `talentflow.forms`), found
    wherever the package is installed, not beside a checkout."""
    from pathlib import Path

    import talentflow.forms
    import talentflow.workflows
    from talentflow.config import load_config
    config = load_config({"SECRET_KEY": "x"})
    assert Path(config["WORKFLOWS_DIR"]) == Path(talentflow.workflows.__file__).parent
    assert Path(config["FORMS_DIR"]) == Path(talentflow.forms.__file__).parent
    assert {p.stem for p in Path(config["WORKFLOWS_DIR"]).glob("*.bpmn")} >= {
        "talent_selection", "reward_application", "annual_evaluation"}
