"""Stable intake codes and the Chinese messages a candidate reads.

MESSAGES holds one complete, placeholder-free message per code (the lead's upload service and
the templates may show it as is). Results carry a more specific text where the file gives us
facts to quote: its own size, its real format, its dimensions.
"""

from __future__ import annotations

from medexam.formats import human_size

LIMIT_TEXT = "200 KB"

MESSAGES: dict[str, str] = {
    "OK": "图片符合要求，已上传。",
    "EMPTY_FILE": "上传的文件是空的（0 字节）。请重新选择拍好的 jpg 或 png 图片后再上传。",
    "FILE_TOO_LARGE": (
        f"图片文件超过 {LIMIT_TEXT} 的上限。请用手机相册的“编辑/压缩”功能、微信发送原图以外的"
        f"方式或图片压缩工具把图片压缩到 {LIMIT_TEXT} 以内（可适当降低分辨率或画质）后重新上传。"
    ),
    "EXT_NOT_ALLOWED": (
        "文件扩展名不被接受：只能上传扩展名为 .jpg、.jpeg 或 .png 的图片。"
        "请把材料拍照或截图保存为 jpg/png 格式后重新上传。"
    ),
    "UNSUPPORTED_FORMAT": (
        "这个文件不是 jpg 或 png 图片（只改扩展名不会改变文件格式）。"
        "请用手机相册或画图工具把它另存为 jpg 或 png 格式后重新上传。"
    ),
    "UNSUPPORTED_FORMAT_HEIC": (
        "这是苹果手机的 HEIC/HEIF 格式照片，系统不接受。请在 iPhone 上打开“设置 > 相机 > 格式”，"
        "选择“兼容性最佳”后重新拍摄；或在相册中截屏、用微信发送给自己后保存为 jpg，再上传。"
    ),
    "NOT_AN_IMAGE": (
        "这个文件不是图片，无法识别其内容。请上传材料的照片或扫描件（jpg 或 png 格式）。"
    ),
    "CORRUPT_IMAGE": (
        "图片文件已损坏或不完整（可能是传输中断或保存失败），无法完整读取。"
        "请用原始照片重新导出为 jpg 或 png 后再上传。"
    ),
    "TOO_MANY_PIXELS": (
        "图片的像素尺寸过大，系统拒绝处理。请把图片缩小到 1600 万像素以内"
        "（例如 4000×3000 像素；可在手机上截屏或用压缩工具调整尺寸）后重新上传。"
    ),
    "ANIMATED_IMAGE": (
        "这是动图（含多帧画面），系统只接受单张静态图片。请上传材料的普通照片或截图（jpg 或 png）。"
    ),
    "RESOLUTION_TOO_LOW": (
        "图片分辨率太低，材料上的文字无法看清。请在光线充足处正对材料重新拍摄，"
        "或上传更高分辨率的扫描件（较短边至少 400 像素、较长边至少 600 像素）。"
    ),
    "BAD_DIMENSIONS": (
        "图片的长宽比例异常（过于细长），不像一张完整的材料照片。"
        "请只拍摄或裁剪出材料本身，使整页材料完整、居中地出现在画面中后重新上传。"
    ),
    "BLANK_IMAGE": (
        "图片几乎是一片空白或纯色，看不到材料内容。请确认拍到的是材料本身，"
        "对焦清楚、光线充足后重新拍摄上传。"
    ),
    "TOO_DARK": (
        "图片太暗，材料上的内容看不清。请在光线充足的地方（避免逆光和阴影）重新拍摄后上传。"
    ),
    "BLURRY": (
        "图片模糊，材料上的文字无法辨认。请把手机拿稳、对焦清楚（可点击屏幕上的文字对焦），"
        "在光线充足处正对材料重新拍摄后上传。"
    ),
    "NOT_UPRIGHT": (
        "图片中的文字看起来是横躺的（图片被旋转了 90 度）。材料要求画面保持正向：请把图片旋转到"
        "文字横排、正常阅读的方向后重新上传；如确认方向无误，可继续上传。"
    ),
    "DUPLICATE": (
        "这张图片与已上传的另一张图片相同或几乎相同。请确认没有选错文件、每张图片对应正确的材料；"
        "如确实需要重复使用，请确认后继续。"
    ),
}

# Softer texts for the confirmable (warn) variants of quality codes.
WARN_MESSAGES: dict[str, str] = {
    "RESOLUTION_TOO_LOW": (
        "图片分辨率偏低，审核人员可能看不清材料上的小字。建议在光线充足处正对材料重新拍摄；"
        "如确认文字清楚可辨，可继续上传。"
    ),
    "BLANK_IMAGE": (
        "图片内容很淡、对比度很低，审核人员可能看不清材料。建议重新拍摄或扫描；"
        "如确认内容清楚可辨，可继续上传。"
    ),
    "TOO_DARK": (
        "图片偏暗，审核人员可能看不清材料。建议在光线充足处重新拍摄；如确认内容清楚可辨，可继续上传。"
    ),
    "BLURRY": (
        "图片可能不够清晰，审核人员可能无法辨认材料上的文字。建议拿稳手机、对焦后重新拍摄；"
        "如确认文字清楚可辨，可继续上传。"
    ),
    "NOT_UPRIGHT": MESSAGES["NOT_UPRIGHT"],
    "DUPLICATE": MESSAGES["DUPLICATE"],
}


def too_large_message(num_bytes: int) -> str:
    shown = human_size(num_bytes)
    if shown == LIMIT_TEXT:
        # Just over the limit rounds to "200 KB": the bytes say why it is still too big.
        shown = f"{num_bytes:,} 字节，比 {LIMIT_TEXT}（204,800 字节）略大"
    return (
        f"图片文件大小为 {shown}，超过了 {LIMIT_TEXT} 的上限。"
        f"请用手机相册的“编辑/压缩”功能或图片压缩工具把图片压缩到 {LIMIT_TEXT} 以内"
        "（可适当降低分辨率或画质）后重新上传。"
    )


def unsupported_format_message(label: str) -> str:
    return (
        f"这个文件实际是 {label}，不是 jpg 或 png 图片（只改扩展名不会改变文件格式）。"
        "请用手机相册或画图工具把它另存为 jpg 或 png 格式后重新上传。"
    )


def ext_not_allowed_message(extension: str) -> str:
    shown = extension if extension else "（无扩展名）"
    return (
        f"文件扩展名“{shown}”不被接受：只能上传扩展名为 .jpg、.jpeg 或 .png 的图片。"
        "请把材料保存为 jpg/png 格式（文件名以 .jpg、.jpeg 或 .png 结尾）后重新上传。"
    )


def too_many_pixels_message(width: int, height: int) -> str:
    return (
        f"图片尺寸为 {width}×{height} 像素，超过系统允许的像素上限。"
        "请把图片缩小到 1600 万像素以内（例如 4000×3000 像素；可用压缩工具调整尺寸）后重新上传。"
    )


def resolution_message(width: int, height: int) -> str:
    return (
        f"图片只有 {width}×{height} 像素，分辨率太低，材料上的文字无法看清。"
        "请在光线充足处正对材料重新拍摄，或上传更高分辨率的扫描件"
        "（较短边至少 400 像素、较长边至少 600 像素）。"
    )


def bad_dimensions_message(width: int, height: int) -> str:
    return (
        f"图片尺寸为 {width}×{height} 像素，长宽比例异常（过于细长），不像一张完整的材料照片。"
        "请只拍摄或裁剪出材料本身，使整页材料完整、居中地出现在画面中后重新上传。"
    )
