"""Fire radiative power by the MIR radiance method (Wooster, Zhukov & Oertel 2003, RSE 86:83-107).

Over 650-1300 K the Planck radiance at a MIR wavelength λ is close to a power law ``B(λ, T) ≈ a·T⁴``,
so a pixel of area A containing fires adds ``ΔL = a/σ · FRP / A`` to its MIR radiance:

    FRP = A · σ / a · (L_fire_pixel − L_background)

with σ the Stefan-Boltzmann constant and radiances in W m⁻² sr⁻¹ µm⁻¹. ``a`` is fitted here by least
squares for the band's central wavelength (3.96 µm gives 3.0e-9 W m⁻² sr⁻¹ µm⁻¹ K⁻⁴, the MODIS value);
radiances come from brightness temperatures through the monochromatic Planck function at the same
wavelength, so the approximation is consistent on both sides (no spectral response function is needed).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

C1 = 1.191042e8  # 2hc², W µm⁴ m⁻² sr⁻¹
C2 = 1.4387752e4  # hc/k, µm K
SIGMA = 5.670374e-8  # W m⁻² K⁻⁴
FIT_RANGE_K = (650.0, 1300.0)


def planck(wavelength_um: float, t_k: ArrayLike) -> NDArray[np.float64]:
    """Spectral radiance (W m⁻² sr⁻¹ µm⁻¹) of a black body at ``t_k`` kelvin."""
    t = np.asarray(t_k, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(C1 / (wavelength_um**5 * np.expm1(C2 / (wavelength_um * t))), np.float64)


def brightness_temperature(wavelength_um: float, radiance: ArrayLike) -> NDArray[np.float64]:
    """The inverse of :func:`planck`."""
    r = np.asarray(radiance, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(C2 / (wavelength_um * np.log1p(C1 / (wavelength_um**5 * r))), np.float64)


@lru_cache(maxsize=16)
def mir_coefficient(wavelength_um: float) -> float:
    """``a`` of ``B(λ, T) ≈ a·T⁴`` fitted over 650-1300 K (least squares through the origin)."""
    t = np.linspace(*FIT_RANGE_K, 200)
    x = t**4
    return float(np.sum(x * planck(wavelength_um, t)) / np.sum(x * x))


def frp_mw(
    wavelength_um: float, t4_k: ArrayLike, background_t4_k: ArrayLike, area_km2: ArrayLike
) -> NDArray[np.float64]:
    """Fire radiative power (MW) of pixels with MIR brightness temperature ``t4_k`` over
    ``background_t4_k``; NaN where the background is unknown, 0 where the pixel is not warmer."""
    excess = planck(wavelength_um, t4_k) - planck(wavelength_um, background_t4_k)
    area_m2 = np.asarray(area_km2, dtype=np.float64) * 1e6
    return np.asarray(
        np.maximum(excess, 0.0) * area_m2 * SIGMA / mir_coefficient(wavelength_um) / 1e6, np.float64
    )


def t4_rise_for_frp(wavelength_um: float, frp: float, background_t4_k: float, area_km2: float) -> float:
    """How many kelvin a fire of ``frp`` MW raises the MIR brightness temperature of a pixel of
    ``area_km2`` over ``background_t4_k`` (the inverse of :func:`frp_mw`, for the docs' tables)."""
    excess = frp * 1e6 * mir_coefficient(wavelength_um) / (SIGMA * area_km2 * 1e6)
    total = float(planck(wavelength_um, background_t4_k)) + excess
    return float(brightness_temperature(wavelength_um, total)) - background_t4_k
