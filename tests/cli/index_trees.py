"""make-index trees for the end-to-end tests, built once under the fixtures folder and re-used
while their inputs are unchanged."""
import json
import os
import shutil
import subprocess

# What make-index writes into a page; a tree stamped with another one is built again (2: every
# JSON file has an `upload-time`).
TREE_FORMAT = 2


def read(path):
    with open(path) as f:
        return f.read()


def file_url(tree):
    return "file://" + os.path.join(tree, "simple")


class index_trees:
    def __init__(self, make_index, fixtures):
        self.make_index, self.fixtures = make_index, fixtures

    def build_index(self, name, *make_index_args, key=""):
        """A make-index tree under the fixtures folder, built once."""
        out = os.path.join(self.fixtures, name)
        stamp = os.path.join(out, ".args")
        wanted = json.dumps([make_index_args, key, TREE_FORMAT])
        if os.path.exists(stamp) and read(stamp) == wanted:
            return out
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(self.fixtures, exist_ok=True)
        subprocess.run([self.make_index, "-q", *make_index_args, "--out", out], check=True)
        with open(stamp, "w") as f:
            f.write(wanted)
        return out

    def universe_index(self, name, universe):
        """The tree of a universe JSON (a changed universe re-builds it)."""
        os.makedirs(self.fixtures, exist_ok=True)
        path = os.path.join(self.fixtures, name + ".json")
        text = json.dumps(universe, sort_keys=True)
        if not os.path.exists(path) or read(path) != text:
            with open(path, "w") as f:
                f.write(text)
        return self.build_index(name, "--universe", path, key=text)
