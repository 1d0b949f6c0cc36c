"""Build steps pyproject.toml cannot declare: the import-package layout and the message catalogs.

The folders keep the names the project is known by (service/, scheduler/, workflows/, forms/)
but install under one unambiguous import package, `talentflow`; and the web UI's .po catalogs
are compiled to .mo files at build time, so a wheel carries them and git does not."""
import warnings
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGE_DIR = {"talentflow": "service", "talentflow.scheduler": "scheduler",
               "talentflow.workflows": "workflows", "talentflow.forms": "forms"}
PACKAGES = (["talentflow"] + [f"talentflow.{name}" for name in find_packages("service")]
            + ["talentflow.scheduler", "talentflow.workflows", "talentflow.forms"])
PACKAGE_DATA = {
    "talentflow": ["templates/web/*.html", "static/*.css", "static/*.js", "static/vendor/**/*",
                   "translations/*.pot", "translations/*/LC_MESSAGES/*.po",
                   "translations/*/LC_MESSAGES/*.mo"],
    "talentflow.core": ["data/*.json"],
    "talentflow.migrations": ["*.ini", "*.mako", "versions/*.py"],
    "talentflow.workflows": ["*.bpmn", "*.dmn"],
    "talentflow.forms": ["*.json"],
    **{package: ["templates/**/*.html"] for package in PACKAGES
       if package.startswith("talentflow.features.")},
}

# Template and asset folders are data (listed in PACKAGE_DATA), not packages: keep setuptools
# from asking, on every install, whether they should be.
warnings.filterwarnings("ignore", message=r"Package '.*' is absent from the `packages` configuration")
# The editable install maps talentflow -> service/ on purpose (no folder is named talentflow).
warnings.filterwarnings("ignore", message=r"Editable installation")


def compile_catalogs(translations: Path) -> None:
    """Every <locale>/LC_MESSAGES/messages.po next to it as messages.mo (quietly)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in translations.glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


class BuildWithCatalogs(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            compile_catalogs(ROOT / "service" / "translations")
            return
        built = Path(self.build_lib) / "talentflow" / "translations"
        for po in (ROOT / "service" / "translations").glob("*/LC_MESSAGES/*.po"):
            target = built / po.relative_to(ROOT / "service" / "translations")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(po.read_bytes())
        compile_catalogs(built)


setup(package_dir=PACKAGE_DIR, packages=PACKAGES, package_data=PACKAGE_DATA,
      cmdclass={"build_py": BuildWithCatalogs})
