"""Field photos: validate the upload and burn in a watermark (time, outlet, distance).

The watermark carries no coordinates. A photo is kept as long as its visit, but raw positions
only for POSITION_RETENTION_DAYS (`outletcrm reduce-positions`): coordinates burnt into the
pixels would outlive that rule and travel with every copy of the photo. What the watermark has
to prove, that the rep was at this outlet at this time, is said by the check-in's distance to
the outlet, which the retention keeps. Photos stored before this rule still show coordinates
on their last line; `redact_position_line` paints it over when their visit's positions are
reduced (docs/security.md).
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from outletcrm.customers.text import pinyin_keys

CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
MAX_EDGE = 2048  # field photos are evidence, not art: keep them small enough for one bar of signal


def _font(size: int):
    """A CJK font if the machine has one (names in Chinese), else Pillow's own (pinyin)."""
    for path in [getattr(settings, "WATERMARK_FONT", "")] + CJK_FONTS:
        if path and Path(path).exists():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def load_image(upload) -> Image.Image:
    """Open an uploaded photo, refusing non-images, oversize files and decompression bombs."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("The photo is larger than %(mb)d MB.")
                               % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}})
    if size == 0:
        raise ValidationError({"image": _("The photo file is empty.")})
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("The photo is larger than %(mb)d MB.")
                               % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}})
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.width * probe.height > settings.PHOTO_MAX_PIXELS:
            raise ValidationError({"image": _("The photo has too many pixels.")})
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"image": _("The file is not a photo (JPEG, PNG or WebP).")}) from None
    if image.format not in {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}:
        raise ValidationError({"image": _("The file is not a photo (JPEG, PNG or WebP).")})
    return ImageOps.exif_transpose(image)


WATERMARK_LINES = 3


def _geometry(width: int) -> tuple[int, int]:
    """Font size and band height of the watermark on a photo of this size."""
    size = max(14, width // 40)
    return size, (size + 6) * WATERMARK_LINES + 10


def _distance_line(distance_m, cjk: bool) -> str:
    if distance_m is None:
        return "—"
    if cjk:
        return _("%(metres)d m from the outlet") % {"metres": round(distance_m)}
    with translation.override("en"):  # the fallback font has no Chinese glyphs
        return _("%(metres)d m from the outlet") % {"metres": round(distance_m)}


def watermark(image: Image.Image, *, taken_at, outlet: str, code: str, distance_m) -> bytes:
    """Return the photo as JPEG with a band of text burnt in at the bottom: the device time,
    the outlet, and the check-in's distance to the outlet (never the coordinates)."""
    image = image.convert("RGB")
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    width, height = image.size
    size, band = _geometry(width)
    font, cjk = _font(size)
    name = outlet if cjk else pinyin_keys(outlet)[0]
    local = timezone.localtime(taken_at)
    lines = [f"{local:%Y-%m-%d %H:%M:%S}", f"{code} {name}", _distance_line(distance_m, cjk)]
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([(0, height - band), (width, height)], fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        draw.text((10, height - band + 5 + i * (size + 6)), line, font=font,
                  fill=(255, 255, 255, 235))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def redact_position_line(path) -> None:
    """Paint over the coordinates line of a photo file (see redact_position_data)."""
    Path(path).write_bytes(redact_position_data(Path(path).read_bytes()))


def redact_position_data(data: bytes) -> bytes:
    """Paint over the coordinates line of a photo watermarked before coordinates were dropped.

    The stored file is the watermarked one, so the band's geometry follows from its size.
    """
    with Image.open(io.BytesIO(data)) as stored:
        image = stored.convert("RGB")
    width, height = image.size
    size, band = _geometry(width)
    top = height - band + 5 + (WATERMARK_LINES - 1) * (size + 6)
    ImageDraw.Draw(image).rectangle([(0, max(0, top - 2)), (width, height)], fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
