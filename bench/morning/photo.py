"""The shelf photo the morning bench's reps upload (locustfile and the final upload)."""

import io


def jpeg() -> bytes:
    """A small shelf photo (640×480 JPEG, ~20 KB): the field app shrinks photos to upload."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (200, 200, 190))
    draw = ImageDraw.Draw(image)
    for i in range(0, 640, 40):
        draw.rectangle([i, 100, i + 30, 380], fill=(30 + i % 200, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()
