"""Geostationary imagers (Himawari-8/9 AHI, FY-4B AGRI, GOES ABI) read through satpy onto their native
grid, cropped to the area of interest: brightness temperatures, reflectances, angles, pixel footprints."""
