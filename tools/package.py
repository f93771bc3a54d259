"""Per-browser manifests and store packages, from one built tree.

    python3 tools/package.py <dist>

reads <dist>/chrome (the unpacked build, manifest.json as in the repo) and
writes:
  <dist>/firefox/                      the same files, Firefox's manifest
  <dist>/thaman-chrome-<version>.zip    Chrome Web Store package
  <dist>/thaman-firefox-<version>.zip  addons.mozilla.org package

Every difference between the browsers' manifests is here, and only here:
  Chrome store  drops "key" (it pins the id of the unpacked build the tests
                load; the store assigns its own and refuses a key).
  Firefox       drops "key" and "minimum_chrome_version"; the background is
                an event page ("scripts", a module) as Firefox runs no
                extension service workers; "browser_specific_settings.gecko"
                gives the add-on id, the minimum version, and declares that
                no data is collected or sent ("data_collection_permissions").
"""
import json
import os
import re
import shutil
import sys
import zipfile

GECKO_ID = "thaman@thaman.app"
# data_collection_permissions is read from Firefox 140 on (ESR 140).
GECKO_MIN_VERSION = "140.0"
GECKO_ANDROID_MIN_VERSION = "142.0"


def chrome_store(manifest):
    out = dict(manifest)
    out.pop("key", None)
    return out


def firefox(manifest):
    out = dict(manifest)
    for key in ("key", "minimum_chrome_version"):
        out.pop(key, None)
    worker = out["background"]["service_worker"]
    out["background"] = {"scripts": [worker], "type": out["background"].get("type", "classic")}
    out["browser_specific_settings"] = {
        "gecko": {
            "id": GECKO_ID,
            "strict_min_version": GECKO_MIN_VERSION,
            "data_collection_permissions": {"required": ["none"]},
        },
        # Android reads data_collection_permissions from 142 on.
        "gecko_android": {"strict_min_version": GECKO_ANDROID_MIN_VERSION},
    }
    return out


def dump(manifest):
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def files(tree):
    """Every file under tree, relative, sorted (a package is reproducible)."""
    for d, dirs, names in os.walk(tree):
        dirs.sort()
        for name in sorted(names):
            yield os.path.relpath(os.path.join(d, name), tree)


def write_zip(tree, manifest, path):
    if os.path.exists(path):
        os.remove(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in files(tree):
            # A fixed date: the same sources give the same bytes.
            info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if rel == "manifest.json":
                z.writestr(info, dump(manifest))
            else:
                with open(os.path.join(tree, rel), "rb") as f:
                    z.writestr(info, f.read())


def referenced(manifest):
    """Every file the manifest names (icons, pages, scripts, resources)."""
    out = set(manifest.get("icons", {}).values())
    action = manifest.get("action", {})
    out |= set(action.get("default_icon", {}).values())
    out.add(action.get("default_popup"))
    background = manifest.get("background", {})
    out.add(background.get("service_worker"))
    out |= set(background.get("scripts", []))
    out.add(manifest.get("options_ui", {}).get("page"))
    for cs in manifest.get("content_scripts", []):
        out |= set(cs.get("js", [])) | set(cs.get("css", []))
    for war in manifest.get("web_accessible_resources", []):
        out |= set(war.get("resources", []))
    return sorted(f for f in out if f)


def check(tree, manifest):
    """What a store refuses, caught here: a missing file, a message missing
    in a locale, a key in a store package."""
    problems = [f"missing {f}" for f in referenced(manifest) if not os.path.isfile(os.path.join(tree, f))]
    keys = set(re.findall(r"__MSG_(\w+)__", json.dumps(manifest)))
    locales = os.path.join(tree, "_locales")
    for lang in sorted(os.listdir(locales)):
        with open(os.path.join(locales, lang, "messages.json"), encoding="utf-8") as f:
            have = json.load(f)
        problems += [f"_locales/{lang}: no message {k}" for k in sorted(keys - set(have))]
    if not os.path.isdir(os.path.join(locales, manifest.get("default_locale", ""))):
        problems.append("no folder for default_locale")
    if "key" in manifest:
        problems.append('a store package with "key"')
    return problems


def main(dist):
    chrome_dir = os.path.join(dist, "chrome")
    with open(os.path.join(chrome_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    version = manifest["version"]

    firefox_dir = os.path.join(dist, "firefox")
    shutil.rmtree(firefox_dir, ignore_errors=True)
    shutil.copytree(chrome_dir, firefox_dir)
    ff = firefox(manifest)
    with open(os.path.join(firefox_dir, "manifest.json"), "w", encoding="utf-8") as f:
        f.write(dump(ff))

    for name, tree, m in (("chrome", chrome_dir, chrome_store(manifest)), ("firefox", firefox_dir, ff)):
        problems = check(tree, m)
        if problems:
            sys.exit(f"{name} package: " + "; ".join(problems))
        path = os.path.join(dist, f"thaman-{name}-{version}.zip")
        write_zip(tree, m, path)
        print(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
