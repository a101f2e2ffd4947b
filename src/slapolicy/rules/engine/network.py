"""The network durable-rules builds of a compiled ruleset, worked out without it (rete.c of
durable-rules 2.0.28), so that a ruleset it would refuse, or hang on, is named before it is
registered.

Each rule's condition is a chain of alpha nodes from one root: a comparison is a child of the
node before it (shared by every rule that makes the same comparison there), an `$and` chains
its items, an `$or` hangs its alternatives from the node before it and joins them in a node
of its own; the rule ends on its last node. durable keeps a node's children in a table of
512 slots probed from one of its first 32 (a full table makes the next registration loop
forever), at most 128 joins and `$nex` comparisons in a list, and at most 256 rules ending on
one node; a ruleset holds fewer than 4096 rules. The one-rule limit (32 expression slots,
error 113) is the compiler's: `compiler.BUDGET`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..compiler import CompiledPolicy, Expr

CHILDREN = 479  # comparisons after one node: probed from one of the first 32 of 512 slots, these always fit
JOINS = 127  # `$or` joins and `$nex` comparisons after one node
ENDING = 255  # rules ending on one node
RULES = 4095


@dataclass
class _Node:
    children: dict[str, int] = field(default_factory=dict)  # comparison -> node
    table: int = 0  # children in the table
    listed: int = 0  # `$or` joins and `$nex` comparisons after it
    ending: int = 0  # rules ending on it


@dataclass(frozen=True)
class Overflow:
    """The first rule that does not fit, and what it overflows."""

    rule: str  # the rule's name (its action: the parts of a split rule share it)
    why: str


class _Network:
    def __init__(self) -> None:
        self.nodes = [_Node()]
        self.touched: list[_Node] = []  # by the rule being added

    def new(self) -> int:
        self.nodes.append(_Node())
        return len(self.nodes) - 1

    def add(self, expr: Expr, parent: int) -> int:
        """The node `expr` ends on, built from `parent` as durable builds it."""
        ((key, value),) = expr.items()
        if key == "$and":
            for item in value:
                parent = self.add(item, parent)
            return parent
        if key == "$or":
            joined = self.new()
            for alternative in value:
                end = self.nodes[self.add(alternative, parent)]
                end.listed += 1
                self.touched.append(end)
            return joined
        comparison = json.dumps(expr, sort_keys=True)
        node = self.nodes[parent]
        if comparison not in node.children:
            node.children[comparison] = self.new()
            if key == "$nex":
                node.listed += 1
            else:
                node.table += 1
            self.touched.append(node)
        return node.children[comparison]


def overflow(compiled: CompiledPolicy) -> Overflow | None:
    """The first rule of the ruleset that durable-rules cannot take, in the order it registers them."""
    if len(compiled.rules) > RULES:
        return Overflow(list(compiled.rules.values())[RULES]["run"],
                        f"the ruleset has {len(compiled.rules)} rules; durable-rules takes at most {RULES}")
    network = _Network()
    for rule in compiled.rules.values():
        network.touched.clear()
        end = network.nodes[network.add(rule["all"][0]["m"], 0)]
        end.ending += 1
        for node in (*network.touched, end):
            why = _full(node)
            if why:
                return Overflow(rule["run"], why)
    return None


def _full(node: _Node) -> str:
    if node.table > CHILDREN:
        return (f"more than {CHILDREN} different comparisons follow the same ones (durable-rules keeps them in a table "
                "of 512 places, and hangs once it is full)")
    if node.listed > JOINS:
        return f"more than {JOINS} alternatives or missing-value tests follow the same comparisons"
    if node.ending > ENDING:
        return f"more than {ENDING} rules make the same comparisons"
    return ""
