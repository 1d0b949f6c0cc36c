"""The shipped task forms: one JSON Schema per form key, with Chinese labels (data).

Installed as the package `talentflow.forms` so they travel inside the wheel."""
