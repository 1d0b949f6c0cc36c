"""The shipped BPMN diagrams and DMN decision tables (data, deployed by `talentflow init-db`).

Installed as the package `talentflow.workflows` so they travel inside the wheel."""
