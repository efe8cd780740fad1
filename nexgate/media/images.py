"""Image processing for uploads: runs in the CPU process pool (``cpu.run(pool, process_image, ...)``).

The upload's bytes are never served: they may carry GPS coordinates, camera serials or an
unknown colour profile. Every variant, the full-size ``original`` included, is re-encoded from
decoded pixels, upright (EXIF orientation applied), in sRGB (an embedded ICC profile is converted,
then dropped), with no metadata at all (no EXIF, XMP, ICC or comments).

Variants never upscale: ``medium`` and ``large`` of an image already smaller than their box are the
image at its own size, and ``thumbnail`` is a centred square of ``min(150, width, height)``. So every
image has all four names, and a client can always ask for the one it wants.
"""
from __future__ import annotations

import io
import os
import warnings

# Both blurhash-python (the C encoder we use) and the pure-Python `blurhash` package (the tests'
# independent decoder) install a top-level package named `blurhash`, and whichever is installed
# last owns `blurhash/__init__.py`. blurhash-python's compiled core, `blurhash._functions`, is its
# own file and imports the same whatever that `__init__` is, so we call it directly.
from blurhash._functions import ffi as _blurhash_ffi, lib as _blurhash_lib
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from nexgate.media.errors import MediaRejected

FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
# Pillow's formats an upload may open as: an MPO (a JPEG with more pictures after it, as some
# cameras write) comes through the JPEG opener. Animated images keep their first frame.
_OPENED_AS = {**FORMATS, "MPO": "jpeg"}
THUMBNAIL_SIDE = 150
MEDIUM_BOX = 600
LARGE_BOX = 1200
JPEG_QUALITY = 82
WEBP_QUALITY = 80
# libwebp's `method` trades time for size: 4 (its default) on the small variants, 2 on large
# images, where 4 costs over twice as long (0.9 s against 0.37 s for 12 MP) for ~0.5 % fewer bytes.
WEBP_FAST_METHOD_ABOVE_PIXELS = 2_000_000
BLURHASH_COMPONENTS = (4, 3)
BLURHASH_SOURCE_SIDE = 64
_SRGB = ImageCms.createProfile("sRGB")


def process_image(source_path: str, out_dir: str, max_pixels: int) -> dict:
    """Decode, check and re-encode an uploaded image into ``out_dir``.

    Returns ``{"width", "height", "format", "blurhash", "variants": [{"name", "format", "path",
    "width", "height", "bytes"}]}`` with the upright size, the source format and one entry per
    variant (thumbnail, medium, large, original) and encoding (webp, jpeg), written as
    ``<name>.<webp|jpg>``. Raises ``MediaRejected`` for anything that is not a sound image.
    """
    with _open(source_path, max_pixels) as source:
        source_format = _OPENED_AS[source.format]
        image = _clean(source)  # a new image: closing the source frees its pixels
    variants = _variants(image)
    return {
        "width": image.width,
        "height": image.height,
        "format": source_format,
        "blurhash": _blurhash(_flatten(variants["medium"])),
        "variants": [
            _write(picture, out_dir, name, encoding)
            for name, picture in variants.items() for encoding in ("webp", "jpeg")
        ],
    }


def _open(path: str, max_pixels: int) -> ImageFile.ImageFile:
    """The image, fully decoded, once its declared size has been checked against ``max_pixels``."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated image is refused, never padded with grey
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # max_pixels decides
            image = Image.open(path, formats=list(FORMATS))  # reads the header only
    except Image.DecompressionBombError:  # Pillow's own limit, for when max_pixels is above it
        raise MediaRejected("too_many_pixels", "the image declares too many pixels to be decoded safely") from None
    except UnidentifiedImageError:
        raise MediaRejected("image_corrupt", "not a readable JPEG, PNG or WebP image") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise MediaRejected(
            "too_many_pixels", f"{width}×{height} is {width * height:,} pixels, over the {max_pixels:,} allowed"
        )
    try:
        image.load()
    except Exception as exc:  # Pillow's decoders raise OSError, SyntaxError, ValueError, EOFError...
        image.close()
        raise MediaRejected("image_corrupt", f"the image cannot be decoded ({exc})") from None
    return image


def _clean(image: Image.Image) -> Image.Image:
    """A copy, upright, in sRGB, RGB or RGBA, and without any metadata."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # a malformed EXIF block: keep the pixels as stored
        pass
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: Pillow's own conversions clip it to white
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    mode = "RGBA" if image.has_transparency_data else "RGB"
    converted = _to_srgb(image, icc, mode) if icc else None
    clean = converted or (image.convert(mode) if image.mode != mode else image.copy())
    clean.info = {}
    return clean


def _to_srgb(image: Image.Image, icc: bytes, mode: str) -> Image.Image | None:
    """The image converted from its embedded profile to sRGB, or None if that profile is unusable."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode in ("RGB", "RGBA") and ImageCms.getProfileDescription(profile).startswith("sRGB"):
            return None  # already sRGB: converting would cost 0.2 s on 12 MP for nothing
        if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
            image = image.convert(mode)
        return ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _variants(image: Image.Image) -> dict[str, Image.Image]:
    """Each fit is made from the next larger one, which keeps resampling a 12 MP photo cheap;
    the square thumbnail from the smallest that covers it (a panorama's medium may not)."""
    large = _fit(image, LARGE_BOX)
    medium = _fit(large, MEDIUM_BOX)
    side = min(THUMBNAIL_SIDE, image.width, image.height)
    crop_source = next(p for p in (medium, large, image) if min(p.size) >= side)
    thumbnail = ImageOps.fit(crop_source, (side, side), Image.Resampling.LANCZOS)
    return {"thumbnail": thumbnail, "medium": medium, "large": large, "original": image}


def _fit(image: Image.Image, box: int) -> Image.Image:
    longest = max(image.size)
    if longest <= box:
        return image
    size = tuple(max(1, round(side * box / longest)) for side in image.size)
    return image.resize(size, Image.Resampling.LANCZOS)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG and BlurHash have no alpha)."""
    if image.mode == "RGB":
        return image
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _write(image: Image.Image, out_dir: str, name: str, encoding: str) -> dict:
    if encoding == "webp":
        path = os.path.join(out_dir, f"{name}.webp")
        fast = image.width * image.height > WEBP_FAST_METHOD_ABOVE_PIXELS
        image.save(path, "WEBP", quality=WEBP_QUALITY, method=2 if fast else 4)
    else:
        path = os.path.join(out_dir, f"{name}.jpg")
        _flatten(image).save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return {
        "name": name, "format": encoding, "path": path,
        "width": image.width, "height": image.height, "bytes": os.path.getsize(path),
    }


def _blurhash(image: Image.Image) -> str:
    """The BlurHash of an RGB image, from a copy a few dozen pixels wide (plenty for 4 × 3 components)."""
    small = _fit(image, BLURHASH_SOURCE_SIDE)
    width, height = small.size
    pixels = _blurhash_ffi.from_buffer("uint8_t[]", small.tobytes())
    destination = _blurhash_ffi.new("char[]", 2 + 4 + (9 * 9 - 1) * 2 + 1)
    result = _blurhash_lib.create_hash_from_pixels(
        *BLURHASH_COMPONENTS, width, height, pixels, width * 3, destination
    )
    if result == _blurhash_ffi.NULL:
        raise ValueError(f"blurhash-python refused components {BLURHASH_COMPONENTS}")
    return _blurhash_ffi.string(result).decode()
