from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: 20 a page by default, 100 at most."""

    page_size_query_param = "page_size"
    max_page_size = 100
    page_size_query_description = "Results per page: 20 unless given, at most 100."
