"""scipy.linalg.lstsq's tangents from np.linalg.lstsq's: SciPy gives the residues of a 1-d
`b` as a scalar where NumPy gives an array of one."""
import numpy as np

__all__ = ["scipy_residues"]


def scipy_residues(tangents, res):
    """np.linalg.lstsq's tangents (of x, the residuals, the rank and the singular values)
    with the residuals' in the shape of SciPy's residues `res`."""
    tx, tres, trank, tsv = tangents
    return tx, np.reshape(tres, np.shape(res)), trank, tsv
