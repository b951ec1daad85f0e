"""Field photos: validate the upload and burn in a watermark (time, outlet, position)."""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
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


def watermark(image: Image.Image, *, taken_at, outlet: str, code: str, lat, lng) -> bytes:
    """Return the photo as JPEG with a band of text burnt in at the bottom."""
    image = image.convert("RGB")
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    width, height = image.size
    size = max(14, width // 40)
    font, cjk = _font(size)
    name = outlet if cjk else pinyin_keys(outlet)[0]
    local = timezone.localtime(taken_at)
    position = f"{float(lat):.6f}, {float(lng):.6f}" if lat is not None and lng is not None else "—"
    lines = [f"{local:%Y-%m-%d %H:%M:%S}", f"{code} {name}", position]
    band = (size + 6) * len(lines) + 10
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([(0, height - band), (width, height)], fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        draw.text((10, height - band + 5 + i * (size + 6)), line, font=font,
                  fill=(255, 255, 255, 235))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
