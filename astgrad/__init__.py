"""astgrad: automatic differentiation by source transformation for Python and NumPy."""
from .api import grad, jvp, source, stop_gradient, value_and_grad, vjp
from .composed import elementwise_grad, hessian, hvp, jacobian
from .errors import AstgradError
from .extend import defjvp, defvjp, primitive
from .testing import check_grads

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp",
           "elementwise_grad", "source", "primitive", "defvjp", "defjvp", "check_grads",
           "stop_gradient", "AstgradError"]
__version__ = "0.1.0"
