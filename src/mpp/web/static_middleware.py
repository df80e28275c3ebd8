"""Static files through WhiteNoise, without costing other requests a thread hop.

WhiteNoise's middleware is sync-only: under ASGI, Django would run every request
(API calls, the board stream) through a thread switch just to let WhiteNoise say
"not a static file". This wrapper is async-capable: it looks the path up in
WhiteNoise's own table (a dict lookup, no I/O) and only then serves the file in a
worker thread; everything else goes straight on.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware


def _not_static(request):
    return None


class StaticFilesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.whitenoise = WhiteNoiseMiddleware(get_response=_not_static)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _lookup(self, request):
        if self.whitenoise.autorefresh:
            return self.whitenoise.find_file(request.path_info)
        return self.whitenoise.files.get(request.path_info)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        static_file = self._lookup(request)
        if static_file is not None:
            return self.whitenoise.serve(static_file, request)
        return self.get_response(request)

    def _serve_buffered(self, static_file, request):
        """Serve the file as one body: MPP's static files are small (CSS, JS, voice
        clips), and a streamed file would make Django's ASGI handler iterate a sync
        file in a thread and warn about it on every request."""
        response = self.whitenoise.serve(static_file, request)
        if not response.streaming:
            return response
        try:
            body = b"".join(response.streaming_content)
        finally:
            response.close()
        buffered = HttpResponse(body, status=response.status_code)
        for header, value in response.items():
            buffered[header] = value
        return buffered

    async def _acall(self, request):
        static_file = self._lookup(request)
        if static_file is not None:
            return await sync_to_async(self._serve_buffered, thread_sensitive=False)(
                static_file, request
            )
        return await self.get_response(request)
