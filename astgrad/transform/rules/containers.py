"""Rules for the runtime helpers of containers of parameters (dicts, lists, tuples,
namedtuples, dataclass instances): a container's gradient rebuilt in its structure,
differentiated again."""
from ..lattice import OPAQUE, UNKNOWN, Kind, sequence_of
from ..registry import defjvp, deflinear, defnondiff, defvjp
from ... import runtime as rt

defvjp(rt.tree_like, lambda b, ans, g, x: rt.tree_adjoint(b), None, kind=lambda k, s: k["x"])
deflinear(rt.tree_like, "g")
deflinear(rt.tree_adjoint, "b")
defnondiff(rt.check_tree)

# ---- dicts written in the function ----------------------------------------------------------
defvjp(rt.dict_of, None, lambda g, ans, keys, values: rt.dict_values(g, keys),
       kind=lambda k, s: k["values"])
deflinear(rt.dict_of, "values")
defvjp(rt.dict_values, lambda b, ans, g, keys: rt.dict_of(keys, b), None,
       kind=lambda k, s: k["g"])
deflinear(rt.dict_values, "g")
defvjp(rt.values_of, lambda g, ans, d: rt.dict_like(g, d), kind=lambda k, s: k["d"])
deflinear(rt.values_of, "d")
defvjp(rt.dict_like, lambda b, ans, parts, d: rt.values_of(b), None, kind=lambda k, s: k["d"])
deflinear(rt.dict_like, "parts")
defvjp(rt.items_of, lambda g, ans, d: rt.items_adjoint(g, d),
       kind=lambda k, s: sequence_of([sequence_of([OPAQUE, k["d"].item or UNKNOWN])]))
defjvp(rt.items_of, lambda t, ans, d: rt.items_of(t))
defnondiff(rt.keys_of, kind=lambda k, s: OPAQUE)
defvjp(rt.items_adjoint, lambda b, ans, parts, d: rt.items_like(b, d), None,
       kind=lambda k, s: k["d"])
deflinear(rt.items_adjoint, "parts")
defvjp(rt.items_like, lambda b, ans, g, d: rt.items_adjoint(b, d), None)
deflinear(rt.items_like, "g")
defvjp(rt.old_item, lambda g, ans, d, key: rt.key_adjoint(g, d, key), None,
       kind=lambda k, s: k["d"])
deflinear(rt.old_item, "d")
defvjp(rt.key_adjoint, lambda b, ans, g, d, key: rt.old_item(b, key), None, None)
deflinear(rt.key_adjoint, "g")
defvjp(rt.tangent_like, lambda b, ans, t, x, where: b, None, None, kind=lambda k, s: k["t"])
deflinear(rt.tangent_like, "t")


# ---- records built in the function: `P(W=a, b=c)` (see `record_calls`) -----------------------
def _record_kind(values: Kind, names) -> Kind:
    """A record of fields `names` (a tuple of strings) whose values share `values.item`:
    read by position from either end, and by name."""
    item = values.item or UNKNOWN
    n = len(names) if isinstance(names, tuple) else 0
    fields = tuple((i, item) for i in range(n)) + tuple((i - n, item) for i in range(n)) \
        + tuple((name, item) for name in names or ())
    return Kind(dtype="O", item=item, fields=fields or None)


# its adjoint, and its tangent, are its values' list, as a record argument's are
defvjp(rt.record_of, None, None, lambda g, ans, cls, names, values: g,
       kind=lambda k, s: _record_kind(k["values"], s["names"]))
defjvp(rt.record_of, None, None, lambda t, ans, cls, names, values: t)
