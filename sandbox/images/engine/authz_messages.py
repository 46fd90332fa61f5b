"""The guard's refusals in the student's language.

The policy words its refusals in English (authz_policy.py); a student whose
page is in Chinese gets them in Chinese. The app writes the language of the
student's page to /run/dockyard/language when a terminal connects; the guard
reads it for each refusal (refusals are rare). An English message with no
pattern here stays English. Standard library only.
"""

from __future__ import annotations

import re

LANGUAGE_FILE = "/run/dockyard/language"
_NA = r" is not allowed in the classroom sandbox"

# (English pattern, Chinese template): the templates reuse the pattern's groups.
ZH_HANS = [
    (r"(.+)" + _NA + r" \(it is not in Dockyard's allowlist\)", "教室沙箱不允许 {0}（不在 Dockyard 的允许清单里）"),
    (r"API version (.+)" + _NA + r"; use (.+) or later", "教室沙箱不允许 API 版本 {0}；请使用 {1} 或更高版本"),
    (
        r"bind mounts from outside (\S+) are not allowed \((.*)\); use a path under ~/ or a named volume",
        "不允许绑定挂载 {0} 之外的路径（{1}）；请使用 ~/ 下的路径或命名卷",
    ),
    (
        r"bind mounts through symlinks leading outside (\S+) are not allowed \((.*)\)",
        "不允许经由指向 {0} 之外的符号链接做绑定挂载（{1}）",
    ),
    (r"bind mounts must name an absolute path under (\S+)", "绑定挂载必须写 {0} 下的绝对路径"),
    (
        r"volumes that mount host paths or devices \(driver options o=bind, device=, type=\) are not allowed"
        r" in the classroom sandbox",
        "教室沙箱不允许挂载主机路径或设备的卷（驱动选项 o=bind、device=、type=）",
    ),
    (r"mounts of type (.+) are not allowed in the classroom sandbox", "教室沙箱不允许类型为 {0} 的挂载"),
    (
        r"the bind source (.+) is not allowed: neither a volume name nor a path under (\S+)",
        "不允许绑定源 {0}：它既不是卷名，也不是 {1} 下的路径",
    ),
    (r"the bind (.+) is not allowed: it is not SOURCE:TARGET\[:OPTIONS\]", "不允许绑定 {0}：格式不是 源:目标[:选项]"),
    (r"(.+) must be a string", "{0} 必须是字符串"),
    (
        r"swarm mode \(services, nodes, secrets, configs\)" + _NA,
        "教室沙箱不允许 Swarm 模式（服务、节点、secret、config）",
    ),
    (r"Docker plugins are not allowed in the classroom sandbox", "教室沙箱不允许 Docker 插件"),
    (r"form-encoded request bodies are not allowed in the classroom sandbox", "教室沙箱不允许表单编码的请求体"),
    (r"request body could not be inspected(.*)", "无法检查请求体{0}"),
    (r"the request path is not in canonical form", "请求路径不是规范形式"),
    (r"(.+)" + _NA + r"(.*)", "教室沙箱不允许 {0}{1}"),
]
_COMPILED = {"zh-hans": [(re.compile(pattern), template) for pattern, template in ZH_HANS]}


def translate(message: str, language: str) -> str:
    """`message` (without the "Dockyard: " prefix) in `language`, or as it is."""
    for pattern, template in _COMPILED.get(language, []):
        match = pattern.fullmatch(message)
        if match:
            return template.format(*match.groups())
    return message


def student_language(path: str = LANGUAGE_FILE) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read(32).strip()
    except OSError:
        return "en"
