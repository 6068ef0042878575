"""Writes the OME-TIFF fixtures of tests/data with tifffile, and beside each
series the array `tifffile.imread(path, series=N)` returns (`<name>.sN.npy`),
its axes and shape (`series.json`). Run from this directory:
    python make_series.py
(tifffile 2026.3.3, imagecodecs 2026.3.6, numpy 2.4).
"""
import json
import numpy as np
import tifffile

rng = np.random.default_rng(23)


def rand(shape, dtype):
    if np.dtype(dtype).kind == 'f':
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


files = {}
# ZCYX u16 with physical sizes (Z in nm).
tifffile.imwrite('ome_zcyx_u16.ome.tif', rand((3, 2, 8, 10), 'u2'), ome=True,
                 metadata={'axes': 'ZCYX', 'PhysicalSizeX': 0.5, 'PhysicalSizeY': 0.25,
                           'PhysicalSizeZ': 2.0, 'PhysicalSizeZUnit': 'nm'})
# TZCYX u8, deflate.
tifffile.imwrite('ome_tzcyx_u8.ome.tif', rand((2, 3, 2, 6, 7), 'u1'), ome=True,
                 compression='zlib', metadata={'axes': 'TZCYX', 'TimeIncrement': 0.5})
# TYX float32, big-endian.
tifffile.imwrite('ome_tyx_f32_be.ome.tif', rand((4, 6, 5), 'f4'), ome=True, byteorder='>',
                 metadata={'axes': 'TYX', 'PhysicalSizeX': 1.5, 'PhysicalSizeY': 1.5})
# RGB: ZYXS u8, LZW.
tifffile.imwrite('ome_zyxs_rgb.ome.tif', rand((3, 6, 8, 3), 'u1'), ome=True,
                 photometric='rgb', compression='lzw', metadata={'axes': 'ZYXS'})
# RGB planar-separate u16: SYX.
tifffile.imwrite('ome_syx_planar.ome.tif', rand((3, 6, 8), 'u2'), ome=True,
                 photometric='rgb', planarconfig='separate', metadata={'axes': 'SYX'})
# Two series: ZYX int16 in tiles, then an RGB image.
with tifffile.TiffWriter('ome_two_series.ome.tif', ome=True) as tif:
    tif.write(rand((2, 40, 50), 'i2'), tile=(16, 16), metadata={'axes': 'ZYX'})
    tif.write(rand((5, 4, 3), 'u1'), photometric='rgb', metadata={'axes': 'YXS'})

# tifffile's own "shaped" files (a JSON description): one series of shape
# (1, 5, 6) (no axis left out), and a file of two shaped series.
tifffile.imwrite('shaped_1x5x6.tif', rand((1, 5, 6), 'u1'))
with tifffile.TiffWriter('shaped_two.tif') as tif:
    tif.write(rand((3, 2, 5, 6), 'u2'))
    tif.write(rand((4, 3), 'f4'))
# No description (metadata=None): tifffile's generic series, pages grouped
# by layout: four 8x8 u8 pages (one after the u16 ones) and two 4x4 u16.
with tifffile.TiffWriter('generic_pages.tif') as tif:
    for i in range(3):
        tif.write(rand((8, 8), 'u1'), metadata=None)
    for i in range(2):
        tif.write(rand((4, 4), 'u2'), metadata=None)
    tif.write(rand((8, 8), 'u1'), metadata=None)

names = ['shaped_1x5x6.tif', 'shaped_two.tif', 'generic_pages.tif', 'ome_zcyx_u16.ome.tif', 'ome_tzcyx_u8.ome.tif', 'ome_tyx_f32_be.ome.tif',
         'ome_zyxs_rgb.ome.tif', 'ome_syx_planar.ome.tif', 'ome_two_series.ome.tif']
for name in names:
    with tifffile.TiffFile(name) as tif:
        for n, s in enumerate(tif.series):
            a = tifffile.imread(name, series=n)
            assert a.shape == s.shape
            stem = name[:-8] if name.endswith('.ome.tif') else name[:-4]
            np.save(f'{stem}.s{n}.npy', np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<'))))
            files[f'{name}#{n}'] = {'axes': s.axes, 'shape': list(s.shape), 'dtype': str(a.dtype)}
json.dump(files, open('series.json', 'w'), indent=1)
