"""Platform styles of the generated portals, modelled on vocabulary.md §4: NukeViet 4, Liferay, SharePoint,
DotNetNuke and a newer provincial platform. A style differs from another only in data and markup (URLs,
labels, menus, dates, chrome), never in logic; ``STYLES`` is what ``PortalSpec.style`` names."""

from egov_audit.demo.platforms.dotnetnuke import DotNetNukeStyle
from egov_audit.demo.platforms.liferay import LiferayStyle
from egov_audit.demo.platforms.nukeviet import NukeVietStyle
from egov_audit.demo.platforms.platform_style import Style
from egov_audit.demo.platforms.provincial import ProvincialStyle
from egov_audit.demo.platforms.sharepoint import SharePointStyle

STYLES: dict[str, Style] = {"nukeviet": NukeVietStyle(), "liferay": LiferayStyle(), "sharepoint": SharePointStyle(),
                            "dnn": DotNetNukeStyle(), "provincial": ProvincialStyle()}

__all__ = ["STYLES", "DotNetNukeStyle", "LiferayStyle", "NukeVietStyle", "ProvincialStyle", "SharePointStyle", "Style"]
