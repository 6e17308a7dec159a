import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
application = get_wsgi_application()

# What is loaded by now lives as long as the process: keep it out of the collector's full
# passes, which otherwise walk some 200,000 objects (about 100 ms, once in a hundred requests).
gc.collect()
gc.freeze()
