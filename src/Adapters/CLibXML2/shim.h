// libxml2, for the Blob service's listings and error bodies (apt: libxml2-dev).
#include <libxml/parser.h>
#include <libxml/tree.h>
