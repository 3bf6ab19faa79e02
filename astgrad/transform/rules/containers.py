"""Rules for the runtime helpers of containers of parameters (dicts, lists, tuples,
namedtuples): a container's gradient rebuilt in its structure, differentiated again."""
from ..registry import defnondiff, defvjp, deflinear
from ... import runtime as rt

defvjp(rt.tree_like, lambda b, ans, g, x: rt.tree_adjoint(b), None, kind=lambda k, s: k["x"])
deflinear(rt.tree_like, "g")
deflinear(rt.tree_adjoint, "b")
defnondiff(rt.check_tree)
