"""No import circles. lint-imports' acyclic_siblings contract finds them between the children of
every package, but not one through a package's own __init__ (the package is no child of itself):
output/__init__.py importing output.cells, which imports `plural` from output. This test does."""

from __future__ import annotations

import grimp


def test_no_package_imports_a_module_of_its_own_that_imports_it() -> None:
    graph = grimp.build_graph("slapolicy", cache_dir=None)
    circles = []
    for package in sorted(graph.modules):
        for module in sorted(graph.find_modules_directly_imported_by(package) & graph.find_descendants(package)):
            back = graph.find_shortest_chain(importer=module, imported=package)
            if back is not None:
                circles.append(" -> ".join((package, *back)))
    assert not circles, "import circles: " + "; ".join(circles)
