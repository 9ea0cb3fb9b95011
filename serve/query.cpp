// serve/query.h: to be written.
#include "serve/query.h"
