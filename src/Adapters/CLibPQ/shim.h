// libpq, the PostgreSQL client library (apt: libpq-dev).
#include <libpq-fe.h>
