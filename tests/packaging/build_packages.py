"""Builds the packages the packaging tests check (the CTest fixture `packaging.build`): with the
README's command, `bash packaging/build-packages.sh`, twice: release 1 with the repository's default
config, and release 2 (the upgrade) whose default config differs, so that the upgrade tests see what
dpkg and rpm do with a config the admin edited. The second build reuses the first one's compile.

Environment: MDNS_REPO (the repository), MDNS_PKG_DIR (where to build; the packages go to
MDNS_PKG_DIR/out/release-1 and release-2)."""
import glob
import json
import os
import shutil
import subprocess
import sys

from packages import UPGRADE_CONFIG_CHANGE, package_dir, repo_root


def build(tree, release, config):
    for old in glob.glob(os.path.join(tree, "*.deb")) + glob.glob(os.path.join(tree, "*.rpm")):
        os.remove(old)
    cmd = ["bash", os.path.join(repo_root(), "packaging", "build-packages.sh"), "-B", tree,
           "-D", "MDNS_PACKAGE_RELEASE=%d" % release, "-D", "MDNS_DEFAULT_CONFIG=" + config]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
    sys.stdout.write(p.stdout[-4000:])
    if p.returncode != 0:
        raise SystemExit("build-packages.sh failed (exit %d)" % p.returncode)
    out = os.path.join(package_dir(), "out", "release-%d" % release)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    built = glob.glob(os.path.join(tree, "*.deb")) + glob.glob(os.path.join(tree, "*.rpm"))
    if len(built) != 2:
        raise SystemExit("expected one .deb and one .rpm in %s, found %s" % (tree, built))
    for f in built:
        shutil.move(f, out)


def main():
    tree = os.path.join(package_dir(), "tree")
    default = os.path.join(repo_root(), "packaging", "config.json")
    build(tree, 1, default)
    with open(default) as f:
        config = json.load(f)
    config.update(UPGRADE_CONFIG_CHANGE)
    changed = os.path.join(package_dir(), "config-release-2.json")
    with open(changed, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    build(tree, 2, changed)


if __name__ == "__main__":
    main()
